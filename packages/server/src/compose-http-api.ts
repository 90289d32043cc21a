import { CloseCode, ErrorCode } from '@switchyard/protocol';
import type { ResolvedOptions } from './config/resolve-options.js';
import type { RoomHistory } from './history/room-history.js';
import type { ApiPublishReceipt } from './http/facade.js';
import { HttpApiError } from './http/http-error.js';
import { HttpApi } from './http/index.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics/metrics.js';
import type { RoomPolicies } from './protection/room-policy.js';
import type { RoomRules } from './protection/room-rules.js';
import type { Publisher } from './publish/publisher.js';
import type { PresenceReader } from './rooms/presence-reader.js';

/** What the backend HTTP API needs: its settings and the parts its routes call. */
export interface HttpApiDeps {
  readonly apiKey: string | undefined;
  readonly limits: ResolvedOptions['limits'];
  readonly roomRules: RoomRules;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly publisher: Publisher;
  readonly policies: RoomPolicies;
  readonly history: RoomHistory;
  readonly presence: PresenceReader;
  disconnectUser(userId: string, code: number): number;
}

/** Builds the backend HTTP API (`/v1/*`) over the one publish path, history and presence. */
export function composeHttpApi(deps: HttpApiDeps): HttpApi {
  const { publisher, policies, history, presence } = deps;
  return new HttpApi({
    apiKey: deps.apiKey,
    maxBodyBytes: deps.limits.maxHttpBodyBytes,
    roomRules: deps.roomRules,
    log: deps.logger,
    metrics: deps.metrics,
    facade: {
      publish: (room, event, data, opts) => publishReceipt(publisher, room, event, data, opts?.key),
      history: (room, query) => {
        const policy = policies.resolve(room).history;
        return policy === undefined ? undefined : history.page(room, policy, query);
      },
      disconnectUser: (userId, code) => deps.disconnectUser(userId, code ?? CloseCode.KICKED),
      presence: (room) => presence.snapshot(room),
      rooms: () => presence.rooms(),
    },
  });
}

/** Publishes for the HTTP API: local recipients, and the position in a room with history. */
async function publishReceipt(
  publisher: Publisher,
  room: string,
  event: string,
  data: unknown,
  key: string | undefined,
): Promise<ApiPublishReceipt> {
  const { recipients, position, pending } = publisher.toRoom(room, event, data, { key, since: performance.now() });
  let at = position;
  if (pending !== undefined) {
    try {
      at = await pending;
    } catch {
      throw new HttpApiError(503, ErrorCode.UNAVAILABLE, 'the cluster is unreachable: the message was not published');
    }
  }
  return at === undefined ? { recipients } : { recipients, offset: at.offset, epoch: at.epoch };
}
