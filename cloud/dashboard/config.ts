import { Type, type Static } from '@sinclair/typebox';

/**
 * `cloud.dashboard`: the web page's map. Without `tiles` the map uses only what ships with Lookout (Natural Earth
 * land, the zone files) and fetches nothing from outside.
 */
export const DashboardConfig = Type.Object(
  {
    tiles: Type.Optional(
      Type.Object(
        {
          /** Raster tile URL template, `https://tiles.example.vn/{z}/{x}/{y}.png` (Leaflet `{s}` allowed). */
          url: Type.String({ pattern: '^https?://[^/]+/.*\\{z\\}.*\\{x\\}.*\\{y\\}' }),
          /** Shown on the map: who made the tiles, under which licence. */
          attribution: Type.String({ minLength: 1 }),
          /** Name in the layer switcher. */
          name: Type.String({ minLength: 1, default: 'Tiles' }),
          maxZoom: Type.Integer({ minimum: 1, maximum: 22, default: 18 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
);
export type DashboardConfig = Static<typeof DashboardConfig>;
export type TileSource = NonNullable<DashboardConfig['tiles']>;
