-- Lists by subscription and resource group scan a range of the primary key
-- instead (every document's key starts with its subscription's and group's
-- id), so each write updates one B-tree fewer.
DROP INDEX documents_subscription;
