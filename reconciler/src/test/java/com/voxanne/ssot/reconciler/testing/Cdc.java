package com.voxanne.ssot.reconciler.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.voxanne.ssot.schemas.Topics;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CDC values exactly as the relay's contract describes them: the flattened row (snake_case columns,
 * uuids and timestamps as strings, booleans as JSON booleans, bigint as numbers) plus {@code __op},
 * {@code __deleted} ("true"/"false" strings), {@code __source_ts_ms} and {@code __lsn}.
 */
public final class Cdc {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong LSN = new AtomicLong(1_000);
    private static final String TS = "2026-02-09T23:33:02.000000Z";

    private Cdc() {
    }

    public static String key(String orgId, String phone) {
        return Topics.orgNumberKey(orgId, phone);
    }

    /** A managed_phone_numbers row. */
    public static final class Managed {
        public String id;
        public String orgId;
        public String phone;
        public String twilioSid = "PN" + "c2d8a05783ed259b14175ae78f0cd560";
        public String vapiPhoneId;
        public String status = "active";

        public Managed(String id, String orgId, String phone, String vapiPhoneId) {
            this.id = id;
            this.orgId = orgId;
            this.phone = phone;
            this.vapiPhoneId = vapiPhoneId;
        }

        public String key() {
            return Cdc.key(orgId, phone);
        }

        public Managed released() {
            Managed m = new Managed(id, orgId, phone, vapiPhoneId);
            m.twilioSid = twilioSid;
            m.status = "released";
            return m;
        }

        public String created() {
            return json("c", false);
        }

        public String snapshot() {
            return json("r", false);
        }

        public String updated() {
            return json("u", false);
        }

        public String deleted() {
            return json("d", true);
        }

        private String json(String op, boolean deleted) {
            ObjectNode n = JSON.createObjectNode();
            n.put("id", id);
            n.put("org_id", orgId);
            n.put("phone_number", phone);
            n.put("twilio_sid", twilioSid);
            n.put("vapi_phone_id", vapiPhoneId);
            n.put("status", status);
            n.put("request_id", "req-" + id);
            n.putNull("friendly_name");
            n.put("provisioned_at", TS);
            if ("released".equals(status)) {
                n.put("released_at", TS);
            } else {
                n.putNull("released_at");
            }
            n.put("created_at", TS);
            n.put("updated_at", TS);
            return meta(n, op, deleted);
        }
    }

    /** An org_credentials row. */
    public static final class Credentials {
        public long id;
        public String orgId;
        public String phone;
        public String vapiPhoneId;
        public boolean managed = true;
        public String provider = "twilio";
        public long version = 1;
        /** The V9 column; null: a CDC record from before it (no such column at all). */
        public String writtenBy;

        public Credentials(long id, String orgId, String phone, String vapiPhoneId) {
            this.id = id;
            this.orgId = orgId;
            this.phone = phone;
            this.vapiPhoneId = vapiPhoneId;
        }

        public static Credentials of(Managed m, long id) {
            return new Credentials(id, m.orgId, m.phone, m.vapiPhoneId);
        }

        public String key() {
            return Cdc.key(orgId, phone);
        }

        public Credentials withVapiPhoneId(String vapi) {
            Credentials c = copy();
            c.vapiPhoneId = vapi;
            return c;
        }

        public Credentials notManaged() {
            Credentials c = copy();
            c.managed = false;
            return c;
        }

        /** The row as last written by {@code writer} ({@code projector}, {@code backfill}, {@code operator}). */
        public Credentials writtenBy(String writer) {
            Credentials c = copy();
            c.writtenBy = writer;
            return c;
        }

        private Credentials copy() {
            Credentials c = new Credentials(id, orgId, phone, vapiPhoneId);
            c.managed = managed;
            c.provider = provider;
            c.writtenBy = writtenBy;
            c.version = version + 1;
            return c;
        }

        public String created() {
            return json("c", false);
        }

        public String updated() {
            return json("u", false);
        }

        public String deleted() {
            return json("d", true);
        }

        private String json(String op, boolean deleted) {
            ObjectNode n = JSON.createObjectNode();
            n.put("id", id);
            n.put("org_id", orgId);
            n.put("provider", provider);
            n.put("phone_number", phone);
            if (vapiPhoneId == null) {
                n.putNull("vapi_phone_id");
            } else {
                n.put("vapi_phone_id", vapiPhoneId);
            }
            n.put("twilio_sid", "PN" + "c2d8a05783ed259b14175ae78f0cd560");
            n.put("is_managed", managed);
            n.putNull("last_event_id");
            n.put("version", version);
            n.put("created_at", TS);
            n.put("updated_at", TS);
            if (writtenBy != null) {
                n.put("written_by", writtenBy);
            }
            return meta(n, op, deleted);
        }
    }

    private static String meta(ObjectNode n, String op, boolean deleted) {
        n.put("__op", op);
        n.put("__deleted", Boolean.toString(deleted));
        n.put("__source_ts_ms", Instant.now().toEpochMilli());
        n.put("__lsn", LSN.incrementAndGet());
        return n.toString();
    }
}
