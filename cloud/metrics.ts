import { Counter, Gauge, createMetricsRegistry, type Registry } from '../runtime/metrics.js';

/** Every Prometheus series of the cloud core, in one registry (`service="cloud"`). */
export function createCloudMetrics(registry: Registry = createMetricsRegistry('cloud')) {
  const registers = [registry];
  return {
    registry,
    messagesIn: new Counter({
      name: 'lookout_cloud_mqtt_messages_in_total',
      help: 'MQTT messages published by edges, by topic kind',
      labelNames: ['kind'],
      registers,
    }),
    invalidPayloads: new Counter({
      name: 'lookout_cloud_invalid_payloads_total',
      help: 'Edge messages dropped because they failed validation, by reason',
      labelNames: ['reason', 'kind'],
      registers,
    }),
    invalidRecords: new Counter({
      name: 'lookout_cloud_invalid_records_total',
      help: 'Positions and static reports dropped from a valid message, alerts kept at their receive time, for a time too far ahead or beyond InfluxDB; by reason and kind',
      labelNames: ['reason', 'kind'],
      registers,
    }),
    publishesRefused: new Counter({
      name: 'lookout_cloud_publishes_refused_total',
      help: 'Telemetry PUBLISHes not acknowledged (the edge keeps them), by reason',
      labelNames: ['reason'],
      registers,
    }),
    mqttDenied: new Counter({
      name: 'lookout_cloud_mqtt_denied_total',
      help: 'MQTT logins, publishes and subscriptions refused by the broker (credentials, topic ACL), by reason',
      labelNames: ['reason'],
      registers,
    }),
    mqttThrottled: new Counter({
      name: 'lookout_cloud_mqtt_publishes_throttled_total',
      help: 'PUBLISHes held back because their client exceeded cloud.mqtt.limits.publishesPerSecond',
      registers,
    }),
    retainDropped: new Counter({
      name: 'lookout_cloud_mqtt_retain_dropped_total',
      help: 'PUBLISHes delivered but not kept as retained messages because their payload is invalid',
      labelNames: ['reason'],
      registers,
    }),
    retainedMessages: new Gauge({
      name: 'lookout_cloud_mqtt_retained_messages',
      help: 'Retained messages the broker keeps',
      registers,
    }),
    retainedBytes: new Gauge({
      name: 'lookout_cloud_mqtt_retained_bytes',
      help: 'Payload bytes of the retained messages the broker keeps',
      registers,
    }),
    loginLockouts: new Counter({
      name: 'lookout_cloud_login_lockouts_total',
      help: 'Users or client addresses locked out after too many failed logins, by listener (mqtt, http) and by (user, address)',
      labelNames: ['listener', 'by'],
      registers,
    }),
    tlsHandshakeErrors: new Counter({
      name: 'lookout_cloud_tls_handshake_errors_total',
      help: 'TLS handshakes that failed on a listener (client does not trust the certificate, plain text on a TLS port, ...)',
      labelNames: ['listener'],
      registers,
    }),
    httpAuthRefused: new Counter({
      name: 'lookout_cloud_http_auth_refused_total',
      help: 'HTTP API requests refused by operator authentication (missing, bad_credentials, forbidden, locked_out, busy)',
      labelNames: ['reason'],
      registers,
    }),
    pointsWritten: new Counter({
      name: 'lookout_cloud_points_written_total',
      help: 'Points written to InfluxDB, by measurement',
      labelNames: ['measurement'],
      registers,
    }),
    writeErrors: new Counter({
      name: 'lookout_cloud_influx_write_errors_total',
      help: 'Failed InfluxDB writes (each is retried)',
      registers,
    }),
    bufferMemoryPoints: new Gauge({
      name: 'lookout_cloud_buffer_memory_points',
      help: 'Points waiting in memory for InfluxDB',
      registers,
    }),
    bufferDiskBytes: new Gauge({
      name: 'lookout_cloud_buffer_disk_bytes',
      help: 'Bytes in the on-disk journal (accepted telemetry not yet fully stored)',
      registers,
    }),
    bufferDiskMessages: new Gauge({
      name: 'lookout_cloud_buffer_disk_messages',
      help: 'Journalled messages not yet checkpointed (not yet fully stored)',
      registers,
    }),
    journalCorruptRecords: new Counter({
      name: 'lookout_cloud_journal_corrupt_records_total',
      help: 'Journalled messages lost in a damaged journal region that the reader skipped, by ingest lane',
      labelNames: ['lane'],
      registers,
    }),
    mqttClients: new Gauge({ name: 'lookout_cloud_mqtt_clients', help: 'Connected MQTT clients', registers }),
    edgesOnline: new Gauge({
      name: 'lookout_cloud_edges_online',
      help: 'Edges whose status is online',
      registers,
    }),
    edgeClockSkew: new Gauge({
      name: 'lookout_cloud_edge_clock_skew_seconds',
      help: 'Edge clock minus cloud clock at its latest health message (positive: edge ahead)',
      labelNames: ['edge'],
      registers,
    }),
    busListenerErrors: new Counter({
      name: 'lookout_cloud_bus_listener_errors_total',
      help: 'Errors thrown (or promises rejected) by bus listeners, by event; the emitter and the other listeners went on',
      labelNames: ['event'],
      registers,
    }),
    influxUp: new Gauge({
      name: 'lookout_cloud_influx_up',
      help: '1 when the last InfluxDB request succeeded',
      registers,
    }),
  };
}
export type CloudMetrics = ReturnType<typeof createCloudMetrics>;
