import { z } from 'zod';

/**
 * Domain events, declared once: name and payload schema. Subgraphs record them in their outbox in the
 * same transaction as the change; workers (a later deployable) validate them again when consuming.
 */
export const domainEvents = {
  'user.registered': z.object({ userId: z.uuid(), username: z.string(), displayName: z.string() }),
  'user.logged_in': z.object({ userId: z.uuid() }),
  'user.logged_out': z.object({ userId: z.uuid() }),
  'user.session_reuse_detected': z.object({ userId: z.uuid(), familyId: z.uuid() }),
  'user.role_changed': z.object({ userId: z.uuid(), role: z.enum(['USER', 'ADMIN']) }),
  'vendor.created': z.object({
    vendorId: z.uuid(),
    ownerId: z.uuid(),
    name: z.string(),
    description: z.string(),
    category: z.string(),
  }),
  'vendor.updated': z.object({
    vendorId: z.uuid(),
    ownerId: z.uuid(),
    name: z.string(),
    description: z.string(),
    category: z.string(),
  }),
  'vendor.deleted': z.object({ vendorId: z.uuid(), ownerId: z.uuid() }),
} as const;

export type DomainEventName = keyof typeof domainEvents;
export type DomainEventPayload<Name extends DomainEventName> = z.infer<(typeof domainEvents)[Name]>;

/** Validates a payload against its declared schema; throws a ZodError naming the bad fields. */
export function parseDomainEvent<Name extends DomainEventName>(name: Name, payload: unknown): DomainEventPayload<Name> {
  return domainEvents[name].parse(payload) as DomainEventPayload<Name>;
}
