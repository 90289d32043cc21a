import { z } from 'zod';
import { OPTION_SPECS } from './option-specs.js';

const roomPolicy = z.strictObject({
  pattern: z
    .string({ error: 'expected a room pattern such as chat:*' })
    .min(1, { error: 'expected a room pattern such as chat:*' }),
  slowConsumer: z.enum(['close', 'drop', 'latest'], { error: 'expected close, drop or latest' }).optional(),
  clientPublish: z.boolean({ error: 'expected true or false' }).optional(),
  presence: z.boolean({ error: 'expected true or false' }).optional(),
  history: z
    .strictObject(
      {
        size: z.number().int().min(1).max(100_000, { error: 'expected an integer 1-100000' }),
        ttlSec: z.number().int().min(1).max(604_800, { error: 'expected an integer 1-604800' }),
      },
      { error: 'expected { "size": messages, "ttlSec": seconds }' },
    )
    .optional(),
});

/**
 * The JSON config file: the shape of `ServerOptions`, plus `auth.publicKeyFile`, with unknown
 * keys refused so that a typo is an error rather than a silently ignored setting.
 */
export const CONFIG_FILE_SCHEMA: z.ZodType = buildSchema();

function buildSchema(): z.ZodType {
  const top: Record<string, z.ZodType> = {};
  const groups = new Map<string, Record<string, z.ZodType>>();
  for (const spec of OPTION_SPECS) {
    const schema = (spec.fileSchema ?? spec.type.schema).optional();
    const [group, name] = spec.key.split('.') as [string, string | undefined];
    if (name === undefined) {
      top[group] = schema;
    } else {
      const shape = groups.get(group) ?? {};
      shape[name] = schema;
      groups.set(group, shape);
    }
  }
  for (const [group, shape] of groups) top[group] = z.strictObject(shape, { error: 'expected an object' }).optional();
  top['rooms'] = z.array(roomPolicy, { error: 'expected an array of room policies' }).optional();
  // Lets editors attach a JSON schema to the file; ignored.
  top['$schema'] = z.string().optional();
  return z.strictObject(top, { error: 'expected a JSON object' });
}
