import { rawJetStream } from './jetstream-subject.js';
import type { SubjectSource } from './cases.js';
import { wardenOnNats, wardenOnSqlite } from './warden-subjects.js';

export const WARDEN_SQLITE: SubjectSource = {
  kind: 'local',
  label: 'Warden on SQLite',
  subject: wardenOnSqlite,
};

export const WARDEN_NATS: SubjectSource = {
  kind: 'nats',
  label: 'Warden on NATS JetStream (file storage)',
  subject: wardenOnNats,
};

export const JETSTREAM: SubjectSource = {
  kind: 'nats',
  label: 'raw NATS JetStream (file storage, interest retention, 3 durable pull consumers)',
  subject: rawJetStream,
};
