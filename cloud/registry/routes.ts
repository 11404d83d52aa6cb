import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import {
  AdminUnit,
  AdminUnitList,
  AdminUnitQuery,
  AuditList,
  ExportQuery,
  ImportQuery,
  ImportRefusal,
  ImportResult,
  RegisteredVessel,
  RegistrationParams,
  RegistryQuery,
  VesselCreateBody,
  VesselPatchBody,
  VesselRegistryList,
  VesselRetireBody,
} from '../../protocols/api/registry.js';
import type { HttpApp } from '../../runtime/http-server.js';
import { actorOf } from '../http/auth.js';
import type { RegistryPart } from './part.js';
import { RegistryInputError, VesselNotFoundError } from './store.js';
import { CSV_TYPE, readCsv, readXlsx, TableFormatError, writeCsv, writeXlsx, XLSX_TYPE } from './tabular.js';
import { vesselRowsOf, vesselSheet } from './vessel-table.js';
import { ErrorBody } from '../../protocols/api/errors.js';

const TAGS = ['registry'];
const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

const NO_ACTOR = { error: 'by is required (who makes the change) while the API has no operator accounts' };

/** `/registry/...` (register with prefix `/api/v1`): vessels, their history, import/export, administrative units. */
export function registerRegistryRoutes(app: HttpApp, part: RegistryPart): void {
  const store = () => part.store;
  const refuse = (reply: FastifyReply, error: unknown) => {
    if (error instanceof RegistryInputError) {
      part.refused('invalid');
      return reply.code(422).send({ error: error.message, problems: error.problems });
    }
    if (error instanceof TableFormatError) {
      part.refused('unreadable_file');
      return reply.code(422).send({ error: error.message, problems: [error.problem] });
    }
    if (error instanceof VesselNotFoundError) {
      part.refused('not_found');
      return reply.code(404).send({ error: error.message, problems: [] });
    }
    throw error;
  };

  app.addContentTypeParser(
    ['text/csv', XLSX_TYPE, 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES },
    (_request, body, done) => done(null, body),
  );

  app.get(
    '/registry/vessels',
    {
      schema: {
        tags: TAGS,
        summary: 'Registered vessels',
        description:
          'Vessels in service (or retired ones), filtered by commune, province, home port, gear, length.',
        querystring: RegistryQuery,
        response: { 200: VesselRegistryList },
      },
    },
    async (request) => ({ vessels: await store().list(request.query) }),
  );

  app.get(
    '/registry/vessels/:registration',
    {
      schema: {
        tags: TAGS,
        summary: 'One registered vessel',
        description:
          'The vessel with this registration number, in service or retired; 404 when there is none.',
        params: RegistrationParams,
        response: { 200: RegisteredVessel, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const vessel = await store().get(request.params.registration);
      if (vessel) return vessel;
      part.refused('not_found');
      return reply.code(404).send({ error: `no vessel with registration ${request.params.registration}` });
    },
  );

  app.post(
    '/registry/vessels',
    {
      schema: {
        tags: TAGS,
        summary: 'Register a vessel',
        description:
          'Refused (422) with each problem named by column: unknown commune, dates out of order, MMSI in use...',
        body: VesselCreateBody,
        response: { 201: RegisteredVessel, 400: ErrorBody, 422: ImportRefusal },
      },
      // A form's mistakes go to the store's check, which names each field (422 problems), not fastify's one line.
      attachValidation: true,
    },
    async (request, reply) => {
      const body: unknown = request.body;
      if (request.validationError && (typeof body !== 'object' || body === null || Array.isArray(body)))
        return reply.code(400).send({ error: request.validationError.message });
      const { by: givenBy, ...fields } = body as Record<string, unknown>;
      const by = typeof givenBy === 'string' && givenBy !== '' ? givenBy : undefined;
      const actor = actorOf(request, by);
      if (!actor) return reply.code(400).send(NO_ACTOR);
      try {
        return reply.code(201).send(await store().create(fields, actor));
      } catch (error) {
        return refuse(reply, error);
      }
    },
  );

  app.patch(
    '/registry/vessels/:registration',
    {
      schema: {
        tags: TAGS,
        summary: 'Change a vessel’s fields',
        description:
          'Each change is recorded in the audit (who, when, before and after). `null` removes a field.',
        params: RegistrationParams,
        body: VesselPatchBody,
        response: { 200: RegisteredVessel, 400: ErrorBody, 404: ImportRefusal, 422: ImportRefusal },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request, request.body.by);
      if (!actor) return reply.code(400).send(NO_ACTOR);
      try {
        return await store().update(request.params.registration, request.body.changes, actor);
      } catch (error) {
        return refuse(reply, error);
      }
    },
  );

  app.post(
    '/registry/vessels/:registration/retire',
    {
      schema: {
        tags: TAGS,
        summary: 'Retire a vessel',
        description:
          'Out of service (scrapped, sold out of the province): kept with its history, its MMSI freed.',
        params: RegistrationParams,
        body: VesselRetireBody,
        response: { 200: RegisteredVessel, 400: ErrorBody, 404: ImportRefusal, 422: ImportRefusal },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request, request.body.by);
      if (!actor) return reply.code(400).send(NO_ACTOR);
      try {
        return await store().retire(request.params.registration, request.body.reason, actor);
      } catch (error) {
        return refuse(reply, error);
      }
    },
  );

  app.get(
    '/registry/vessels/:registration/history',
    {
      schema: {
        tags: TAGS,
        summary: 'Every change of a vessel, newest first',
        description:
          'The audit of one vessel: who changed it (the login, or `by` without accounts), when, the action, and the ' +
          'vessel before and after.',
        params: RegistrationParams,
        response: { 200: AuditList },
      },
    },
    async (request) => ({ entries: await store().history(request.params.registration) }),
  );

  app.post(
    '/registry/import',
    {
      schema: {
        tags: TAGS,
        summary: 'Import vessels from CSV or XLSX',
        description:
          'Body: the file (Content-Type text/csv or the XLSX type). Headers are the vessel field names (as in the export). ' +
          'Creates or updates by registration, all rows in one transaction: any bad row refuses the whole file (422) ' +
          'with every problem as { row, column, message } (row 1 = headers).',
        querystring: ImportQuery,
        response: { 200: ImportResult, 400: ErrorBody, 422: ImportRefusal },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request, request.query.by);
      if (!actor) return reply.code(400).send(NO_ACTOR);
      if (!Buffer.isBuffer(request.body))
        return reply
          .code(400)
          .send({ error: `send the file as the body with Content-Type text/csv or ${XLSX_TYPE}` });
      try {
        const table = request.query.format === 'csv' ? readCsv(request.body) : await readXlsx(request.body);
        const { rows, problems } = vesselRowsOf(table);
        if (problems.length > 0) throw new RegistryInputError(problems);
        return await store().importVessels(rows, actor);
      } catch (error) {
        return refuse(reply, error);
      }
    },
  );

  app.get(
    '/registry/export',
    {
      schema: {
        tags: TAGS,
        summary: 'Export the registry as CSV or XLSX',
        description: 'Headers are the field names, so the file can be edited and imported back.',
        querystring: ExportQuery,
      },
    },
    async (request, reply) => {
      const sheet = vesselSheet(await store().list({ retired: request.query.retired ?? false }));
      const csv = request.query.format === 'csv';
      return reply
        .header('content-type', csv ? CSV_TYPE : XLSX_TYPE)
        .header('content-disposition', `attachment; filename="vessel-registry.${request.query.format}"`)
        .send(csv ? writeCsv(sheet) : await writeXlsx([sheet]));
    },
  );

  app.get(
    '/registry/admin-units',
    {
      schema: {
        tags: TAGS,
        summary: 'Administrative units',
        description:
          'Provinces and communes (since 1 July 2025), and the districts older reports are grouped by, each with its validity dates.',
        querystring: AdminUnitQuery,
        response: { 200: AdminUnitList },
      },
    },
    async (request) => ({ units: await store().units(request.query) }),
  );

  app.put(
    '/registry/admin-units',
    {
      schema: {
        tags: TAGS,
        summary: 'Add or correct administrative units',
        description:
          'A unit that ceases (merger, reorganisation) gets `validTo` and `replacedBy`; it is never deleted.',
        body: Type.Object({ units: Type.Array(AdminUnit, { minItems: 1 }) }, { additionalProperties: false }),
        response: { 200: AdminUnitList },
      },
    },
    async (request) => {
      await store().saveUnits(request.body.units);
      return { units: await store().units() };
    },
  );
}
