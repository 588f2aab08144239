import type { EtlProblem } from "./errors.ts";
import { type ColumnKind, type EtlType, isNumeric } from "./types.ts";

/** What the compiler needs to know of a column of the table (or of etl.addColumns). */
export interface ColumnInfo {
  name: string;
  dataType: string;
  columnType: string | undefined;
  charset: string | undefined;
  kind: ColumnKind;
  type: EtlType;
  added: boolean;
  generated: boolean;
  nullable: boolean;
}

/** A compile problem: abandons the table being compiled. */
export class Abort {
  constructor(readonly problem: EtlProblem) {}
}

export const CONSTANTS: Record<string, string> = {
  __OP_INSERT__: "INSERT",
  __OP_UPDATE__: "UPDATE",
  __OP_DELETE__: "DELETE",
};

export const quote = (name: string) => `\`${name}\``;
export const article = (word: string) => (/^[aeiou]/i.test(word) ? "an" : "a");

export function accepts(column: ColumnInfo, type: EtlType): boolean {
  switch (column.kind) {
    case "string":
      return type !== "json_array" && !type.startsWith("opaque:");
    case "long":
    case "decimal":
    case "double":
      return isNumeric(type) || type === "bool";
    case "datetime":
    case "date":
      return type === "datetime" || type === "string";
    case "opaque":
      return type === column.type || type === "string";
  }
}

export function expectedFor(column: ColumnInfo): string {
  switch (column.kind) {
    case "string":
      return "a number, string, bool or datetime";
    case "long":
    case "decimal":
    case "double":
      return "a number (convert text with cast_string_to_long)";
    case "datetime":
    case "date":
      return "a datetime, or a string such as '2021-01-01 10:10:01'";
    case "opaque":
      return `a ${column.dataType} value (a column of that type) or a string`;
  }
}
