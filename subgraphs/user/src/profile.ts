import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@curbside/auth';
import { badUserInput, type FieldProblems } from '@curbside/errors';
import { checkLengths, recordEvent, requireViewer } from '@curbside/subgraph-kit';
import { viewerAccount } from './accounts.ts';
import type { UserEntity } from './entities.ts';

export interface ProfileChanges {
  displayName?: string | null | undefined;
  bio?: string | null | undefined;
}

const maxDisplayNameLength = 100;
const maxBioLength = 500;

/** Trims and checks the fields present. A blank bio is stored as none; a display name cannot be cleared. */
export function checkProfileChanges(changes: ProfileChanges): { displayName?: string; bio?: string | null } {
  checkLengths({
    displayName: [changes.displayName, { max: maxDisplayNameLength, trimmed: true }],
    bio: [changes.bio, { max: maxBioLength, trimmed: true }],
  });
  const problems: FieldProblems = {};
  const checked: { displayName?: string; bio?: string | null } = {};
  if (changes.displayName !== undefined) {
    const displayName = changes.displayName?.trim() ?? '';
    if (displayName.length < 1 || displayName.length > maxDisplayNameLength) {
      problems['displayName'] = `expected 1 to ${maxDisplayNameLength} characters`;
    } else checked.displayName = displayName;
  }
  if (changes.bio !== undefined) {
    const bio = changes.bio?.trim() ?? '';
    if (bio.length > maxBioLength) problems['bio'] = `expected at most ${maxBioLength} characters, got ${bio.length}`;
    else checked.bio = bio === '' ? null : bio;
  }
  if (Object.keys(problems).length > 0) throw badUserInput(problems);
  return checked;
}

/**
 * Changes the viewer's own profile. Fields left out stay as they are; a change to nothing new writes
 * nothing and records no event.
 */
export async function updateProfile(
  em: EntityManager,
  viewer: Viewer | null,
  changes: ProfileChanges,
): Promise<UserEntity> {
  requireViewer(viewer);
  const fields = checkProfileChanges(changes);
  const user = await viewerAccount(em, viewer);
  const changed =
    (fields.displayName !== undefined && fields.displayName !== user.displayName) ||
    (fields.bio !== undefined && fields.bio !== user.bio);
  if (!changed) return user;
  em.assign(user, { ...fields, updatedAt: new Date() });
  recordEvent(em, 'user.profile_updated', { userId: user.id, displayName: user.displayName, bio: user.bio ?? null });
  await em.flush();
  return user;
}
