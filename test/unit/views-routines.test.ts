import { describe, expect, it } from "vitest";
import { FatalError } from "#core/errors.ts";
import { type RoutineContext, rewriteRoutine } from "#core/schema/routines.ts";
import { rewriteView, type ViewContext } from "#core/schema/views.ts";
import type { SelectedTable } from "#core/spec/mapping.ts";

function table(source: [string, string], destination: [string, string]): SelectedTable {
  return {
    source: { database: source[0], table: source[1] },
    destination: { database: destination[0], table: destination[1] },
    columns: [],
    where: undefined,
    dml: ["insert", "update", "delete"],
    explicit: false,
  };
}

const context = (overrides: Partial<ViewContext> = {}): ViewContext => ({
  database: "shop",
  view: "paid",
  target: "shop2",
  tables: [table(["shop", "orders"], ["shop2", "orders_v2"])],
  security: "invoker",
  ...overrides,
});

/** SHOW CREATE VIEW as MariaDB prints it (the view's name qualified). */
const MARIADB_VIEW =
  "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`127.0.0.1` SQL SECURITY DEFINER VIEW `shop`.`paid` AS select `shop`.`orders`.`id` AS `id`,`shop`.`with_tax`(`shop`.`orders`.`total`) AS `gross` from `shop`.`orders` where `shop`.`orders`.`status` = 'paid'";

describe("views for the destination", () => {
  it("drops the DEFINER, makes SQL SECURITY INVOKER and maps the view, its tables and routines", () => {
    expect(rewriteView(MARIADB_VIEW, context())).toBe(
      "CREATE OR REPLACE ALGORITHM=UNDEFINED SQL SECURITY INVOKER VIEW `shop2`.`paid` AS select `shop2`.`orders_v2`.`id` AS `id`,`shop2`.`with_tax`(`shop2`.`orders_v2`.`total`) AS `gross` from `shop2`.`orders_v2` where `shop2`.`orders_v2`.`status` = 'paid'",
    );
  });

  it("keeps SQL SECURITY DEFINER only when the spec asks for it", () => {
    expect(rewriteView(MARIADB_VIEW, context({ security: "definer" }))).toMatch(
      /^CREATE OR REPLACE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `shop2`\.`paid` AS select /,
    );
    const mysql =
      "CREATE ALGORITHM=MERGE DEFINER=`app`@`%` SQL SECURITY INVOKER VIEW `paid` AS select 1 AS `1`";
    expect(rewriteView(mysql, context())).toBe(
      "CREATE OR REPLACE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW `shop2`.`paid` AS select 1 AS `1`",
    );
  });

  it("inserts names with $ literally (no $& or $` replacement patterns)", () => {
    const mysql =
      "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW `a$&b` AS select `shop`.`orders`.`id` AS `id` from `shop`.`orders`";
    expect(
      rewriteView(
        mysql,
        context({
          view: "a$&b",
          target: "d$&x",
          tables: [table(["shop", "orders"], ["d$&x", "o$`rders$'"])],
        }),
      ),
    ).toBe(
      "CREATE OR REPLACE ALGORITHM=UNDEFINED SQL SECURITY INVOKER VIEW `d$&x`.`a$&b` AS select `d$&x`.`o$``rders$'`.`id` AS `id` from `d$&x`.`o$``rders$'`",
    );
  });

  it("leaves string literals and comments of the query alone", () => {
    const view =
      'CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW `shop`.`paid` AS select \'`shop`.`orders`\' AS `s`,"it\\"s `shop`." AS `t` /* `shop`.`orders` */ from `shop`.`orders`';
    expect(rewriteView(view, context())).toBe(
      'CREATE OR REPLACE ALGORITHM=UNDEFINED SQL SECURITY INVOKER VIEW `shop2`.`paid` AS select \'`shop`.`orders`\' AS `s`,"it\\"s `shop`." AS `t` /* `shop`.`orders` */ from `shop2`.`orders_v2`',
    );
  });

  it("maps only the database part of a qualified name, never a table that shares its name", () => {
    // `crm`.`shop` is a table named shop in a database the task does not migrate.
    const view =
      "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW `shop`.`paid` AS select `crm`.`shop`.`id` AS `shop` from `crm`.`shop` join `shop`.`orders`";
    expect(rewriteView(view, context())).toBe(
      "CREATE OR REPLACE ALGORITHM=UNDEFINED SQL SECURITY INVOKER VIEW `shop2`.`paid` AS select `crm`.`shop`.`id` AS `shop` from `crm`.`shop` join `shop2`.`orders_v2`",
    );
  });

  it("stops on a definition it cannot read", () => {
    expect(() => rewriteView("CREATE TABLE `x` (a int)", context())).toThrow(FatalError);
    expect(() => rewriteView("CREATE VIEW `v` AS select 'open", context())).toThrow(/cannot read/);
  });
});

const routine = (overrides: Partial<RoutineContext> = {}): RoutineContext => ({
  kind: "PROCEDURE",
  name: "reprice",
  target: "shop2",
  security: "invoker",
  ...overrides,
});

describe("routines for the destination", () => {
  it("makes an implicit SQL SECURITY DEFINER explicit INVOKER", () => {
    const text =
      "CREATE DEFINER=`root`@`localhost` PROCEDURE `reprice`(IN factor DECIMAL(4,2), IN s ENUM('a)','b'))\nUPDATE items SET price = price * factor";
    expect(rewriteRoutine(text, routine())).toBe(
      "CREATE PROCEDURE `shop2`.`reprice`(IN factor DECIMAL(4,2), IN s ENUM('a)','b'))\n    SQL SECURITY INVOKER\nUPDATE items SET price = price * factor",
    );
  });

  it("replaces an explicit SQL SECURITY clause, as the spec asks", () => {
    const text =
      "CREATE DEFINER=`root`@`%` PROCEDURE `reprice`(IN a INT)\n    READS SQL DATA\n    SQL SECURITY DEFINER\n    COMMENT 'x'\nBEGIN SELECT 'SQL SECURITY DEFINER'; END";
    expect(rewriteRoutine(text, routine())).toBe(
      "CREATE PROCEDURE `shop2`.`reprice`(IN a INT)\n    READS SQL DATA\n    SQL SECURITY INVOKER\n    COMMENT 'x'\nBEGIN SELECT 'SQL SECURITY DEFINER'; END",
    );
    const invoker = text.replace("SECURITY DEFINER\n", "SECURITY INVOKER\n");
    expect(rewriteRoutine(invoker, routine({ security: "definer" }))).toContain(
      "    READS SQL DATA\n    SQL SECURITY DEFINER\n    COMMENT 'x'\n",
    );
  });

  it("does not take a COMMENT or the body for the SQL SECURITY clause", () => {
    const text =
      "CREATE DEFINER=`root`@`%` FUNCTION `f`(p varchar(10)) RETURNS varchar(20) CHARSET utf8mb4 COLLATE utf8mb4_general_ci\n    DETERMINISTIC\n    COMMENT 'it''s SQL SECURITY DEFINER'\nRETURN concat(p, ') SQL SECURITY INVOKER')";
    expect(rewriteRoutine(text, routine({ kind: "FUNCTION", name: "f" }))).toBe(
      "CREATE FUNCTION `shop2`.`f`(p varchar(10)) RETURNS varchar(20) CHARSET utf8mb4 COLLATE utf8mb4_general_ci\n    DETERMINISTIC\n    COMMENT 'it''s SQL SECURITY DEFINER'\n    SQL SECURITY INVOKER\nRETURN concat(p, ') SQL SECURITY INVOKER')",
    );
  });

  it("reads a function without characteristics, an aggregate function and a labelled body", () => {
    expect(
      rewriteRoutine(
        "CREATE DEFINER=`a`@`b` FUNCTION `one`() RETURNS int(11)\nRETURN 1",
        routine({ kind: "FUNCTION", name: "one" }),
      ),
    ).toBe("CREATE FUNCTION `shop2`.`one`() RETURNS int(11)\n    SQL SECURITY INVOKER\nRETURN 1");
    expect(
      rewriteRoutine(
        "CREATE DEFINER=`a`@`b` AGGREGATE FUNCTION `agg`(x INT) RETURNS int(11)\nBEGIN DECLARE s INT DEFAULT 0; LOOP FETCH GROUP NEXT ROW; END LOOP; RETURN s; END",
        routine({ kind: "FUNCTION", name: "agg" }),
      ),
    ).toMatch(
      /^CREATE AGGREGATE FUNCTION `shop2`\.`agg`\(x INT\) RETURNS int\(11\)\n {4}SQL SECURITY INVOKER\nBEGIN/,
    );
    expect(
      rewriteRoutine(
        "CREATE DEFINER=`a`@`b` PROCEDURE `p`()\n    NO SQL\nno: BEGIN LEAVE no; END",
        routine({ name: "p" }),
      ),
    ).toBe("CREATE PROCEDURE `shop2`.`p`()\n    NO SQL\n    SQL SECURITY INVOKER\nno: BEGIN LEAVE no; END");
  });

  it("inserts names with $ and quotes literally", () => {
    const text = "CREATE DEFINER=`root`@`%` PROCEDURE `x$'y`(IN a INT)\nSELECT a";
    expect(rewriteRoutine(text, routine({ name: "x$'y", target: "d$&`" }))).toBe(
      "CREATE PROCEDURE `d$&```.`x$'y`(IN a INT)\n    SQL SECURITY INVOKER\nSELECT a",
    );
  });

  it("stops on a header it cannot read", () => {
    expect(() =>
      rewriteRoutine("CREATE FUNCTION `f`(a INT RETURNS int RETURN 1", routine({ kind: "FUNCTION" })),
    ).toThrow(FatalError);
    expect(() =>
      rewriteRoutine("CREATE DEFINER=`a`@`b` PROCEDURE `p`()\n    SQL SECURITY DEFINER", routine()),
    ).toThrow(/cannot read the definition of procedure shop2\.reprice/);
  });
});
