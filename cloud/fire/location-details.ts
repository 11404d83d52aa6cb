import type { LocatedFire } from '../../protocols/api/fire.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';

/**
 * What a fire alarm says of where the fire is (flat alarm details, read by the notification text and the
 * dashboard): the camera's name and place, and the located point with its error, or the bearing and the range.
 */
export function locationDetails(alert: FireAlert, fire: LocatedFire | undefined): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  const { camera } = alert;
  if (camera.name) details.cameraName = camera.name;
  if (camera.position) {
    details.cameraLat = camera.position.lat;
    details.cameraLon = camera.position.lon;
  }
  if (!fire) return details;
  const mine = fire.cameras.find((c) => c.edgeId === alert.edgeId && c.alertId === alert.alertId);
  details.locatedFireId = fire.id;
  // The edge's own bearing when it sent one (the same projection of the same boxes), else the cloud's.
  if (mine && alert.bearingToFireDeg === undefined) details.bearingToFireDeg = mine.bearingDeg;
  // Only with a point: an alarm's details are merged, so a later bearing-only event (the other camera's sighting
  // aged out) keeps the last located point together with the cameras that located it.
  if (fire.point) {
    details.lat = fire.point.lat;
    details.lon = fire.point.lon;
    details.locatedBy = fire.cameras.length;
  }
  if (fire.errorM !== undefined) details.errorM = fire.errorM;
  if (mine?.distanceM !== undefined) details.distanceM = mine.distanceM;
  if (fire.ray) details.rangeM = fire.ray.toM;
  if (fire.place?.area) details.placeArea = fire.place.area;
  if (fire.place?.nearest) {
    details.nearPlace = fire.place.nearest.name;
    details.nearPlaceDistanceM = fire.place.nearest.distanceM;
    details.nearPlaceBearingDeg = fire.place.nearest.bearingDeg;
  }
  return details;
}
