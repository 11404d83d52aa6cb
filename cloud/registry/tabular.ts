import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type { ImportProblem } from '../../protocols/api/registry.js';

/** A table read from a file: the header names and each data row with its spreadsheet row number (header = 1). */
export interface Table {
  header: string[];
  rows: Array<{ row: number; cells: Record<string, string> }>;
}

export interface Sheet {
  /** Worksheet name (XLSX); at most 31 characters. */
  name: string;
  /** Optional lines above the table (a report's title, period). */
  title?: string[];
  columns: Array<{ key: string; header: string; width?: number }>;
  rows: ReadonlyArray<Record<string, unknown>>;
}

export const CSV_TYPE = 'text/csv; charset=utf-8';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export class TableFormatError extends Error {
  constructor(readonly problem: ImportProblem) {
    super(`row ${problem.row}, ${problem.column}: ${problem.message}`);
    this.name = 'TableFormatError';
  }
}

export function readCsv(data: Buffer): Table {
  let records: string[][];
  try {
    records = parse(data, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new TableFormatError({
      row: e.lines ?? 0,
      column: '(file)',
      message: `not readable CSV: ${e.message}`,
    });
  }
  return tableOf(records);
}

export async function readXlsx(data: Buffer): Promise<Table> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(data as unknown as ArrayBuffer);
  } catch (error) {
    throw new TableFormatError({
      row: 0,
      column: '(file)',
      message: `not an XLSX workbook: ${(error as Error).message}`,
    });
  }
  const sheet = workbook.worksheets[0];
  if (!sheet)
    throw new TableFormatError({ row: 0, column: '(file)', message: 'the workbook has no worksheet' });
  const records: string[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, number) => {
    const values: string[] = [];
    for (let c = 1; c <= sheet.columnCount; c++) values.push(cellText(row.getCell(c).value));
    records[number - 1] = values;
  });
  const filled = Array.from(records, (r) => r ?? []);
  return tableOf(filled, true);
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('richText' in value) return value.richText.map((t) => t.text).join('');
  }
  return String(value).trim();
}

function tableOf(records: string[][], skipBlank = false): Table {
  const [header = [], ...rest] = records;
  const names = header.map((h) => h.trim());
  const rows: Table['rows'] = [];
  rest.forEach((values, i) => {
    if (skipBlank && values.every((v) => v === '')) return;
    const cells: Record<string, string> = {};
    names.forEach((name, c) => (cells[name] = (values[c] ?? '').trim()));
    rows.push({ row: i + 2, cells });
  });
  return { header: names, rows };
}

export function writeCsv(sheet: Pick<Sheet, 'columns' | 'rows'>): Buffer {
  const text = stringify(
    sheet.rows.map((row) => sheet.columns.map((c) => formatCell(row[c.key]))),
    { header: true, columns: sheet.columns.map((c) => c.header) },
  );
  // The BOM makes spreadsheet programs read the Vietnamese text as UTF-8.
  return Buffer.from(`\uFEFF${text}`, 'utf8');
}

function formatCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  return String(value);
}

export async function writeXlsx(sheets: readonly Sheet[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Lookout';
  for (const sheet of sheets) {
    const ws = workbook.addWorksheet(sheet.name.slice(0, 31));
    for (const line of sheet.title ?? []) ws.addRow([line]).font = { bold: true };
    if (sheet.title?.length) ws.addRow([]);
    const header = ws.addRow(sheet.columns.map((c) => c.header));
    header.font = { bold: true };
    sheet.columns.forEach(
      (c, i) => (ws.getColumn(i + 1).width = c.width ?? Math.max(12, c.header.length + 2)),
    );
    for (const row of sheet.rows) ws.addRow(sheet.columns.map((c) => row[c.key] ?? null));
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
