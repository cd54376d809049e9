-- The numbers a saga lost to another buyer between search and purchase (Twilio answered 21422 and the read-back
-- showed the account does not own them), comma-separated in the order they were lost. The saga goes back to choose
-- another candidate and never picks these again; after three it fails at TWILIO_PURCHASE with nothing bought.
ALTER TABLE provisioning_requests ADD COLUMN lost_numbers text;
