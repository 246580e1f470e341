import type { Viewer } from '@curbside/auth';
import { badUserInput, forbidden, unauthenticated } from '@curbside/errors';
import { quoted } from './input.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in any case; the length is checked first, so a megabyte-long argument costs nothing. */
export function isUuid(value: string): boolean {
  return value.length === 36 && uuidPattern.test(value);
}

/** An `ID` argument that must be a UUID; anything else cannot name a row, so it is a client error. */
export function checkId(id: string, argument = 'id'): string {
  if (!isUuid(id)) throw badUserInput({ [argument]: `expected a UUID, got ${quoted(id)}` });
  return id.toLowerCase();
}

/** The signed-in viewer, or `UNAUTHENTICATED`. */
export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/** Passes for the owner and for admins; anyone else gets `FORBIDDEN`. */
export function requireOwnerOrAdmin(viewer: Viewer | null, ownerId: string): Viewer {
  const signedIn = requireViewer(viewer);
  if (signedIn.userId !== ownerId && signedIn.role !== 'ADMIN') throw forbidden();
  return signedIn;
}
