// cluster-key-slot (ioredis's own slot function) names a declaration file it does not ship.
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot of a key (honours `{hash tags}`). */
  export default function calculateSlot(key: string): number;
}
