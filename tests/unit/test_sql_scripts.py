from adapters.sql.migrations import split_statements

SCRIPT = """
-- A comment; not a statement
CREATE TABLE t (id INT);

CREATE TRIGGER t_counted AFTER UPDATE ON t FOR EACH ROW
BEGIN
    IF NEW.id <> OLD.id THEN
        INSERT INTO c VALUES (1);
        INSERT INTO c VALUES (2);
    END IF;
END;

CREATE TRIGGER t_single AFTER INSERT ON t FOR EACH ROW
    INSERT INTO c VALUES (3);
UNLOCK TABLES
"""


def test_statements_end_with_a_semicolon_at_the_end_of_a_line() -> None:
    statements = split_statements(SCRIPT)

    assert statements[0].endswith("CREATE TABLE t (id INT)")
    assert statements[2].startswith("CREATE TRIGGER t_single")
    assert statements[2].endswith("INSERT INTO c VALUES (3)")
    assert statements[3] == "UNLOCK TABLES"
    assert len(statements) == 4


def test_a_trigger_body_between_begin_and_end_is_one_statement() -> None:
    body = split_statements(SCRIPT)[1]

    assert body.startswith("CREATE TRIGGER t_counted")
    assert "INSERT INTO c VALUES (1);\n        INSERT INTO c VALUES (2);\n    END IF;" in body
    assert body.endswith("END")


def test_a_script_of_comments_only_has_no_statements() -> None:
    assert split_statements("-- nothing here;\n\n-- BEGIN\n") == []
