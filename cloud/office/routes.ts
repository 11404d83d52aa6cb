import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import {
  CaseQuery,
  CommentBody,
  DailyList,
  DailyQuery,
  FleetStats,
  FleetVesselQuery,
  PortEventList,
  PortEventQuery,
  PositionReportBody,
  ReportQuery,
  SignalCase,
  SignalCaseList,
  VoyageList,
} from '../../protocols/api/office.js';
import type { HttpApp } from '../../runtime/http-server.js';
import type { FleetVesselList } from '../../protocols/api/office.js';
import { actorOf } from '../http/auth.js';
import { CSV_TYPE, writeCsv, writeXlsx, XLSX_TYPE } from '../registry/tabular.js';
import { fleetVesselSheet } from './reports.js';
import { reportFileName, type OfficePart } from './part.js';
import { listPortEvents, listVoyages } from './port-calls.js';
import { parseQueryTime, withTimeRange } from '../http/query-time.js';
import { CaseClosedError, CaseNotFoundError } from './signal-cases.js';
import { ErrorBody } from '../../protocols/api/errors.js';

const CaseParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const NO_ACTOR = { error: 'by is required (who does it) while the API has no operator accounts' };

/** Fleet statistics, daily history, reports, port events and voyages, signal-loss cases (prefix `/api/v1`). */
export function registerOfficeRoutes(app: HttpApp, office: OfficePart): void {
  const caseError = (reply: FastifyReply, error: unknown) => {
    if (error instanceof CaseNotFoundError) return reply.code(404).send({ error: error.message });
    if (error instanceof CaseClosedError) return reply.code(409).send({ error: error.message });
    if (error instanceof RangeError) return reply.code(400).send({ error: error.message });
    throw error;
  };

  app.get(
    '/fleet/stats',
    {
      schema: {
        tags: ['office'],
        summary: 'Fleet statistics now',
        description:
          'Registered vessels at sea, in port, silent over 6 h / 10 days, in violation (active alarms), licence expired, without VMS, with an open signal-loss case; in total and by province, commune, home port, length class and gear.',
        response: { 200: FleetStats },
      },
    },
    async () => office.liveStats(),
  );

  app.get(
    '/fleet/vessels',
    {
      schema: {
        tags: ['office'],
        summary: 'Registered vessels with their last position',
        description:
          'Filtered by commune, province, home port, length, status (at sea, in port, silent, must return, no position) and last position time; as JSON, or CSV/XLSX with Vietnamese headings.',
        // JSON: FleetVesselList (protocols/api/office.ts); CSV/XLSX: the file; 400 { error } for a bad time.
        querystring: FleetVesselQuery,
      },
    },
    async (request, reply) => {
      const { format, heardSince, ...filters } = request.query;
      let since: number | undefined;
      try {
        since = heardSince === undefined ? undefined : parseQueryTime(heardSince, 'heardSince');
      } catch (error) {
        return caseError(reply, error);
      }
      const vessels = await office.fleetVessels({ ...filters, heardSince: since });
      if (format === 'json') return { vessels } satisfies FleetVesselList;
      const sheet = fleetVesselSheet(vessels);
      return reply
        .header('content-type', format === 'csv' ? CSV_TYPE : XLSX_TYPE)
        .header('content-disposition', `attachment; filename="danh-sach-tau.${format}"`)
        .send(format === 'csv' ? writeCsv(sheet) : await writeXlsx([sheet]));
    },
  );

  app.get(
    '/fleet/daily',
    {
      schema: {
        tags: ['office'],
        summary: 'Fleet counts by day (history)',
        description:
          'The counts each day ended with (the day’s last snapshot, taken every office.snapshotEveryMin), for the whole fleet or by a grouping, optionally one group (e.g. a commune code).',
        querystring: DailyQuery,
        response: { 200: DailyList, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      try {
        return { rows: await office.daily(request.query) };
      } catch (error) {
        return caseError(reply, error);
      }
    },
  );

  app.post(
    '/fleet/daily/snapshot',
    {
      schema: {
        tags: ['office'],
        summary: 'Take today’s snapshot now',
        response: { 200: Type.Object({ rows: Type.Integer() }) },
      },
    },
    async () => ({ rows: await office.snapshot() }),
  );

  app.get(
    '/reports',
    {
      schema: {
        tags: ['office'],
        summary: 'Daily, weekly or monthly report of a commune or the province',
        description:
          'XLSX (sheets: Tổng hợp, Tàu mất kết nối, Tàu vi phạm, Xuất bến không giấy phép; Vietnamese headings), CSV (one list) or JSON. Counts are live for a period holding today, else from the last daily snapshot of the period.',
        querystring: ReportQuery,
      },
    },
    async (request, reply) => {
      const { format, list, ...query } = request.query;
      let report: Awaited<ReturnType<OfficePart['report']>>;
      try {
        report = await office.report(query);
      } catch (error) {
        return caseError(reply, error);
      }
      if (format === 'json') return report;
      const name = reportFileName(
        report.scope.code,
        report.period.kind,
        `${report.period.first}${format === 'csv' ? `-${list ?? 'summary'}` : ''}`,
        format,
      );
      return reply
        .header('content-type', format === 'csv' ? CSV_TYPE : XLSX_TYPE)
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(await office.reportFile(report, format, list));
    },
  );

  const PortQuery = { querystring: PortEventQuery, response: { 400: ErrorBody } };
  app.get(
    '/port-events',
    {
      schema: {
        tags: ['office'],
        summary: 'Port departures and arrivals',
        description:
          'Derived from positions entering and leaving port areas; per vessel (mmsi) or per port, in a time range.',
        ...PortQuery,
        response: { ...PortQuery.response, 200: PortEventList },
      },
    },
    async (request, reply) => {
      try {
        return { events: await listPortEvents(office.db, withTimeRange(request.query)) };
      } catch (error) {
        return caseError(reply, error);
      }
    },
  );

  app.get(
    '/voyages',
    {
      schema: {
        tags: ['office'],
        summary: 'Voyages: departure to arrival',
        description:
          'With duration and the distance along the positions; an open voyage (at sea) has no arrival yet.',
        ...PortQuery,
        response: { ...PortQuery.response, 200: VoyageList },
      },
    },
    async (request, reply) => {
      try {
        return { voyages: await listVoyages(office.db, withTimeRange(request.query)) };
      } catch (error) {
        return caseError(reply, error);
      }
    },
  );

  app.get(
    '/signal-cases',
    {
      schema: {
        tags: ['office'],
        summary: 'Signal-loss cases (board)',
        description:
          'States: open, awaiting_report, must_return, closed; each case with its events (reports, reminders, comments).',
        querystring: CaseQuery,
        response: { 200: SignalCaseList },
      },
    },
    async (request) => ({ cases: await office.cases.list(request.query) }),
  );

  app.get(
    '/signal-cases/:id',
    {
      schema: {
        tags: ['office'],
        summary: 'One signal-loss case',
        params: CaseParams,
        response: { 200: SignalCase, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      try {
        return await office.cases.get(request.params.id);
      } catch (error) {
        return caseError(reply, error);
      }
    },
  );

  app.post(
    '/signal-cases/:id/reports',
    {
      schema: {
        tags: ['office'],
        summary: 'Enter a position the vessel reported to the shore',
        description: 'Due every vms.reportEveryH while the beacon is silent; the case goes back to open.',
        params: CaseParams,
        body: PositionReportBody,
        response: { 200: SignalCase, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const by = actorOf(request, request.body.by);
      if (!by) return reply.code(400).send(NO_ACTOR);
      try {
        const { lon, lat, text } = request.body;
        const ts = parseQueryTime(request.body.ts, 'ts');
        return await office.cases.report(request.params.id, { ts, lon, lat, by, text });
      } catch (error) {
        return caseError(reply, error);
      }
    },
  );

  app.post(
    '/signal-cases/:id/comments',
    {
      schema: {
        tags: ['office'],
        summary: 'Comment on a case',
        params: CaseParams,
        body: CommentBody,
        response: { 200: SignalCase, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const by = actorOf(request, request.body.by);
      if (!by) return reply.code(400).send(NO_ACTOR);
      try {
        return await office.cases.comment(request.params.id, by, request.body.text);
      } catch (error) {
        return caseError(reply, error);
      }
    },
  );

  app.post(
    '/signal-cases/:id/must-return',
    {
      schema: {
        tags: ['office'],
        summary: 'Order the vessel back to port',
        description:
          'An officer moves the case to must_return before vms.returnToPortAfterD (e.g. reports missed); who and why are recorded.',
        params: CaseParams,
        body: CommentBody,
        response: { 200: SignalCase, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const by = actorOf(request, request.body.by);
      if (!by) return reply.code(400).send(NO_ACTOR);
      try {
        return await office.cases.orderReturn(request.params.id, by, request.body.text);
      } catch (error) {
        return caseError(reply, error);
      }
    },
  );

  app.post(
    '/signal-cases/:id/close',
    {
      schema: {
        tags: ['office'],
        summary: 'Close a case by hand',
        description: 'E.g. the vessel arrived in port as reported by phone, or the beacon was replaced.',
        params: CaseParams,
        body: Type.Object(
          { reason: Type.String({ minLength: 1 }), by: Type.Optional(Type.String({ minLength: 1 })) },
          { additionalProperties: false },
        ),
        response: { 200: SignalCase, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const by = actorOf(request, request.body.by);
      if (!by) return reply.code(400).send(NO_ACTOR);
      try {
        return await office.cases.closeByOfficer(request.params.id, by, request.body.reason);
      } catch (error) {
        return caseError(reply, error);
      }
    },
  );
}
