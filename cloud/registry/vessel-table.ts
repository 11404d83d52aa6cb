import { VESSEL_COLUMNS, type ImportProblem, type RegisteredVessel } from '../../protocols/api/registry.js';
import { fieldsOf } from './store.js';
import type { Sheet, Table } from './tabular.js';

const NUMERIC = new Set(['mmsi', 'lengthM', 'grossTonnage']);
const REQUIRED = ['registration', 'name', 'lengthM'];

/**
 * Rows of an import file as vessel fields: numbers read as numbers (a decimal comma too), empty cells absent.
 * A header that is not a vessel field, or a missing required one, is a problem of row 1.
 */
export function vesselRowsOf(table: Table): {
  rows: Array<{ row: number; fields: Record<string, unknown> }>;
  problems: ImportProblem[];
} {
  const problems: ImportProblem[] = [];
  for (const name of table.header)
    if (!VESSEL_COLUMNS.includes(name as (typeof VESSEL_COLUMNS)[number]))
      problems.push({
        row: 1,
        column: name || '(empty header)',
        message: `unknown column; the columns are ${VESSEL_COLUMNS.join(', ')}`,
      });
  for (const name of REQUIRED)
    if (!table.header.includes(name))
      problems.push({ row: 1, column: name, message: 'required column is missing' });
  if (table.rows.length === 0) problems.push({ row: 2, column: '(file)', message: 'no vessel rows' });
  const rows = table.rows.map(({ row, cells }) => {
    const fields: Record<string, unknown> = {};
    for (const [name, text] of Object.entries(cells)) {
      if (text === '') continue;
      if (NUMERIC.has(name)) {
        const number = Number(text.replace(',', '.'));
        if (Number.isFinite(number)) fields[name] = number;
        else problems.push({ row, column: name, message: `"${text}" is not a number` });
      } else fields[name] = text;
    }
    return { row, fields };
  });
  return { rows, problems };
}

/** The registry as a table whose headers are the field names: export, edit, import back. */
export function vesselSheet(vessels: readonly RegisteredVessel[]): Sheet {
  return {
    name: 'vessels',
    columns: VESSEL_COLUMNS.map((key) => ({ key, header: key })),
    rows: vessels.map((v) => fieldsOf(v) as Record<string, unknown>),
  };
}
