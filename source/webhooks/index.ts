export {
  type BackupEventDetails,
  describeNotify,
  type NotifyResult,
  notifyBackup,
  type WebhookPayload,
} from './notify-backup.ts';
