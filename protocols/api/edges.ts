import { Type, type Static } from '@sinclair/typebox';

/** One edge as the cloud sees it (`GET /api/v1/edges`). */
export const EdgePresence = Type.Object(
  {
    edgeId: Type.String(),
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    /** When the cloud learned of the current state (ms since epoch). */
    since: Type.Integer(),
    /** Last time anything arrived from this edge (ms since epoch). */
    lastSeen: Type.Integer(),
    /** Why it is offline: `shutdown` (clean stop) or `lost` (last will). */
    reason: Type.Optional(Type.String()),
    version: Type.Optional(Type.String()),
    /**
     * The edge's clock minus the cloud's, from its latest health message (ms; positive = edge ahead). The edge
     * stamps positions without a tag-block time with its own clock, so a wrong clock puts vessels at wrong times.
     */
    clockSkewMs: Type.Optional(Type.Integer()),
  },
  { $id: 'EdgePresence', additionalProperties: false },
);
export type EdgePresence = Static<typeof EdgePresence>;

export const EdgeList = Type.Object(
  { edges: Type.Array(EdgePresence) },
  { $id: 'EdgeList', additionalProperties: false },
);
export type EdgeList = Static<typeof EdgeList>;
