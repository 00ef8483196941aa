import { InMemoryAuditLog } from './in-memory-audit.log.js';
import { describeAuditLogContract } from './testing/audit-log.contract.js';

describeAuditLogContract('InMemoryAuditLog', (maxEntries) => new InMemoryAuditLog(maxEntries), { trimsExactly: true });
