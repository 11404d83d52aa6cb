/**
 * What a box in a camera's picture means on the ground: shared by the edge (the bearing it reports) and the
 * cloud (the cone it intersects), so that both read a frame position the same way.
 */

/** Degrees normalised to [0, 360). */
export function normaliseDeg(deg: number): number {
  return ((deg % 360) + 360) % 360;
}

/**
 * Bearing (degrees clockwise from true north) of the vertical line at `x` (0 = left edge, 1 = right edge of the
 * picture) for a camera looking at `headingDeg` with a horizontal field of view `fovDeg`. A camera's picture is
 * a rectilinear projection: the angle grows as the arctangent of the distance from the centre, not linearly
 * (linear is off by 1.1° at a quarter of a 60° picture, 190 m at 10 km).
 */
export function bearingAtFrameX(headingDeg: number, fovDeg: number, x: number): number {
  const half = (Math.min(fovDeg, 179) * Math.PI) / 360;
  const offset = (Math.atan((2 * x - 1) * Math.tan(half)) * 180) / Math.PI;
  return normaliseDeg(headingDeg + offset);
}

/** The heading that shows a target at `bearingDeg` at frame position `x`: the inverse of `bearingAtFrameX`. */
export function headingShowingAt(bearingDeg: number, fovDeg: number, x: number): number {
  const half = (Math.min(fovDeg, 179) * Math.PI) / 360;
  const offset = (Math.atan((2 * x - 1) * Math.tan(half)) * 180) / Math.PI;
  return normaliseDeg(bearingDeg - offset);
}
