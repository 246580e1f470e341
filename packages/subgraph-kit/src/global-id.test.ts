import { describe, expect, it } from 'vitest';
import { globalIdOf, maxGlobalIdLength, nodeTypes, parseGlobalId, referenceId } from './global-id.ts';

const uuid = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

describe('global ids', () => {
  it('name the type and the object, opaque, and parse back for every node type', () => {
    for (const type of nodeTypes) {
      const globalId = globalIdOf(type, uuid);
      expect(globalId).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(globalId.length).toBeLessThanOrEqual(maxGlobalIdLength);
      expect(Buffer.from(globalId, 'base64url').toString()).toBe(`${type}:${uuid}`);
      expect(parseGlobalId(globalId)).toEqual({ __typename: type, id: uuid });
    }
  });

  it('are one per object whatever the case of its id', () => {
    expect(globalIdOf('User', uuid.toUpperCase())).toBe(globalIdOf('User', uuid));
  });

  it('refuse, as BAD_USER_INPUT naming the argument, anything Curbside did not make', () => {
    const encode = (text: string) => Buffer.from(text).toString('base64url');
    const forged = [
      '',
      uuid, // a type's own id is not a global id
      encode(`Notification:${uuid}`), // not a node type
      encode(`user:${uuid}`),
      encode(`User:${uuid}:x`),
      encode('User:not-a-uuid'),
      encode(`:${uuid}`),
      `${globalIdOf('User', uuid)}=`, // padding: not the canonical spelling
      encode(`User:${uuid.toUpperCase()}`), // not canonical either
      'A'.repeat(1_000_000),
      'ab+/',
    ];
    for (const value of forged) {
      let caught: unknown;
      try {
        parseGlobalId(value, 'ids[3]');
      } catch (error) {
        caught = error;
      }
      expect(caught, value.slice(0, 60)).toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', fields: { 'ids[3]': expect.stringContaining('global id') } },
      });
    }
  });

  it('a reference keyed either way gives the entity id', () => {
    expect(referenceId({ id: uuid })).toBe(uuid);
    expect(referenceId({ nodeKey: uuid })).toBe(uuid);
  });
});
