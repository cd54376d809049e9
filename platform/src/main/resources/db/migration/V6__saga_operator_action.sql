-- What operators did to a saga (./ssot sagas resume|abandon): who, what and when, appended; NULL when nobody did.
ALTER TABLE provisioning_requests ADD COLUMN operator_action text;
