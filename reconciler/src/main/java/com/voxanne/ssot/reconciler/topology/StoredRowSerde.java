package com.voxanne.ssot.reconciler.topology;

import com.voxanne.ssot.reconciler.model.ManagedNumberRow;
import com.voxanne.ssot.reconciler.model.SsotRow;
import com.voxanne.ssot.schemas.serde.StatelessSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The reconciler's own binary format for the rows it keeps in its two KTable stores (and their changelogs): a format
 * byte, then the columns in a fixed order, strings as a length (-1 for null) and UTF-8 bytes. The join reads the other
 * side's row back from its store for every change, so the store format is on the hot path: decoding this costs a
 * fraction of parsing the relay's JSON again. The relay's JSON is read once, at the source ({@link CdcRowSerde}).
 *
 * <p>The SSOT row's {@code writtenBy} (migration V9) is appended after the original columns: rows stored before it
 * simply end earlier and read back with an unknown writer, so existing state needs no reset.
 *
 * <p>Internal format: a store written by another format byte is refused with a clear error (reset the application's
 * state to rebuild it from the CDC topics) rather than misread.
 */
public final class StoredRowSerde<T> extends StatelessSerde<T> {
    static final byte MANAGED_V1 = 'M';
    static final byte SSOT_V1 = 'S';
    private static final int NULL = -1;

    private final byte format;
    private final Encoder<T> encoder;
    private final Decoder<T> decoder;

    private StoredRowSerde(byte format, Encoder<T> encoder, Decoder<T> decoder) {
        this.format = format;
        this.encoder = encoder;
        this.decoder = decoder;
    }

    public static StoredRowSerde<ManagedNumberRow> managedNumbers() {
        return new StoredRowSerde<>(MANAGED_V1, (row, out) -> {
            out.string(row.id());
            out.string(row.orgId());
            out.string(row.phoneNumber());
            out.string(row.twilioSid());
            out.string(row.vapiPhoneId());
            out.string(row.status());
        }, in -> new ManagedNumberRow(in.string(), in.string(), in.string(), in.string(), in.string(), in.string()));
    }

    public static StoredRowSerde<SsotRow> orgCredentials() {
        return new StoredRowSerde<>(SSOT_V1, (row, out) -> {
            out.nullableLong(row.id());
            out.string(row.orgId());
            out.string(row.provider());
            out.string(row.phoneNumber());
            out.string(row.vapiPhoneId());
            out.string(row.twilioSid());
            out.bool(row.managed());
            out.nullableLong(row.version());
            out.string(row.writtenBy());
        }, in -> new SsotRow(in.nullableLong(), in.string(), in.string(), in.string(), in.string(), in.string(), in.bool(),
                in.nullableLong(), in.hasMore() ? in.string() : null));
    }

    @Override
    protected byte[] toBytes(String topic, T data) {
        Output out = new Output(format);
        encoder.encode(data, out);
        return out.toByteArray();
    }

    @Override
    protected T fromBytes(String topic, byte[] data) {
        if (data.length == 0 || data[0] != format) {
            throw new SerializationException("stored row of " + topic + " has format " + (data.length == 0 ? "none" : "'"
                    + (char) data[0] + "'") + ", expected '" + (char) format + "': the state was written by another version;"
                    + " reset the reconciler's state to rebuild it from the CDC topics");
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(data, 1, data.length - 1);
            T row = decoder.decode(new Input(in));
            if (in.hasRemaining()) {
                throw new SerializationException("stored row of " + topic + " has " + in.remaining() + " trailing bytes");
            }
            return row;
        } catch (RuntimeException e) {
            if (e instanceof SerializationException) {
                throw e;
            }
            throw new SerializationException("stored row of " + topic + " cannot be read: " + e, e);
        }
    }

    private interface Encoder<T> {
        void encode(T row, Output out);
    }

    private interface Decoder<T> {
        T decode(Input in);
    }

    /** A growable big-endian buffer. */
    private static final class Output {
        private byte[] buf = new byte[128];
        private int size;

        Output(byte format) {
            buf[size++] = format;
        }

        void string(String s) {
            if (s == null) {
                integer(NULL);
                return;
            }
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            integer(utf8.length);
            ensure(utf8.length);
            System.arraycopy(utf8, 0, buf, size, utf8.length);
            size += utf8.length;
        }

        void nullableLong(Long v) {
            bool(v != null);
            if (v != null) {
                ensure(8);
                long x = v;
                for (int shift = 56; shift >= 0; shift -= 8) {
                    buf[size++] = (byte) (x >>> shift);
                }
            }
        }

        void bool(boolean b) {
            ensure(1);
            buf[size++] = (byte) (b ? 1 : 0);
        }

        private void integer(int v) {
            ensure(4);
            buf[size++] = (byte) (v >>> 24);
            buf[size++] = (byte) (v >>> 16);
            buf[size++] = (byte) (v >>> 8);
            buf[size++] = (byte) v;
        }

        private void ensure(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, size);
        }
    }

    private static final class Input {
        private final ByteBuffer in;

        Input(ByteBuffer in) {
            this.in = in;
        }

        String string() {
            int length = in.getInt();
            if (length == NULL) {
                return null;
            }
            if (length < 0 || length > in.remaining()) {
                throw new SerializationException("stored row has a string of " + length + " bytes with " + in.remaining() + " left");
            }
            String s = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
            in.position(in.position() + length);
            return s;
        }

        Long nullableLong() {
            return bool() ? in.getLong() : null;
        }

        /** False at the end of a row stored before a column was appended. */
        boolean hasMore() {
            return in.hasRemaining();
        }

        boolean bool() {
            byte b = in.get();
            if (b != 0 && b != 1) {
                throw new SerializationException("stored row has a flag byte " + b);
            }
            return b == 1;
        }
    }
}
