-- The highest UID in the mailbox when the helpdesk first read it (under
-- this UIDVALIDITY): the messages up to it were there before the helpdesk,
-- and those that had waited long are filed as an archive, without notices.
-- Mailboxes already read keep 0: nothing of theirs is an archive.
ALTER TABLE mailbox_state ADD COLUMN first_sync_uid bigint NOT NULL DEFAULT 0;
