import { Type, type Static } from '@sinclair/typebox';

/** `cloud.fire`: locating fires from the cameras that see them, and the places they are described by. */
export const FireCloudConfig = Type.Object(
  {
    locate: Type.Object(
      {
        /**
         * Cameras whose sightings (latest alert event) are at most this far apart in time see the same fire
         * together; an alert's updates come every `edge.fire.confirmation.updateIntervalS` (30 s) while it lasts.
         */
        windowS: Type.Number({ minimum: 10, maximum: 3600, default: 300 }),
        /** How well camera headings are known, degrees: each cone is widened by this much on each side. */
        headingErrorDeg: Type.Number({ minimum: 0, maximum: 20, default: 1 }),
        /** Range watched by a camera that does not say its own (`rangeM`), metres. */
        defaultRangeM: Type.Number({ minimum: 100, maximum: 100_000, default: 15_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /**
     * A GeoJSON FeatureCollection of named places (Points: villages, ranger stations) and forest compartments
     * (Polygons), each with a `name` property: a located fire is described as "in compartment X, 2.1 km NE of
     * place Y". Relative paths resolve against the install folder. Absent: coordinates and bearings only.
     */
    placesFile: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false, default: {} },
);
export type FireCloudConfig = Static<typeof FireCloudConfig>;
