/**
 * Who runs what must happen once (rules, alarm lifecycle, notifications, scheduled work). One process: always
 * this one (`soleLeadership`). A cluster: the instance holding the Redis lease (`LeaderLease`), whose `fence`
 * re-checks the lease before an action, so a deposed leader's late action is refused.
 */
export interface Leadership {
  readonly leader: boolean;
  /** The lease epoch this instance holds, 0 when it is not the leader; strictly increasing across the cluster. */
  readonly epoch: number;
  /** Called when this instance becomes or stops being the leader. */
  onChange(listener: (state: { leader: boolean; epoch: number }) => void): () => void;
  /** True only while this instance still leads with `epoch` (default: its current one), checked now. */
  fence(epoch?: number): Promise<boolean>;
}

/** The single cloud process: always the leader, nothing to check. */
export const soleLeadership: Leadership = {
  leader: true,
  epoch: 1,
  onChange: () => () => undefined,
  fence: async () => true,
};
