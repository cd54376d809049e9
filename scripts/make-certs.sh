#!/usr/bin/env bash
# Makes a private CA and a server certificate for TLS between the pipeline and its Kafka brokers and PostgreSQL.
#
#   scripts/make-certs.sh DIR [HOST...]
#
# HOSTs are the names clients use to reach the servers (default: localhost 127.0.0.1; for docker-compose add the
# service names, e.g. `scripts/make-certs.sh certs localhost 127.0.0.1 kafka-1 kafka-2 kafka-3 postgres`). Every HOST
# goes into the certificate's subjectAltName (IP addresses as IP entries), so clients can verify the hostname
# (Kafka's ssl.endpoint.identification.algorithm=https, PostgreSQL's sslmode=verify-full).
#
# DIR gets:
#   ca.crt               the CA certificate: what clients trust (KAFKA_SSL_TRUSTSTORE_TYPE=PEM +
#                        KAFKA_SSL_TRUSTSTORE_LOCATION, and sslrootcert= in DATABASE_URL)
#   ca.key               the CA's private key (0600): keep it offline or delete it once the certificates are made
#   server.crt/.key      the server certificate (chain: server, CA) and its key (0600): PostgreSQL's ssl_cert_file/ssl_key_file
#   server.p12           the same key and chain as a PKCS12 keystore for the Kafka brokers (ssl.keystore.location)
#   server.p12.password  the keystore's random password (0600): give it to the brokers from this file, never print it
#   truststore.p12       ca.crt as a PKCS12 truststore, for Java clients that want a store rather than PEM
#   truststore.p12.password  its random password (0600)
#
# Nothing here is meant to be committed: the repository's .gitignore ignores certs/. An existing DIR with a ca.crt is
# refused, so a CA is never silently replaced under running servers.
set -euo pipefail

if [[ $# -lt 1 || "$1" == -* ]]; then
  echo "usage: $0 DIR [HOST...]   (default hosts: localhost 127.0.0.1)" >&2
  exit 2
fi
dir=$1
shift
hosts=("$@")
if [[ ${#hosts[@]} -eq 0 ]]; then
  hosts=(localhost 127.0.0.1)
fi
for tool in openssl keytool; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is needed (Debian package $tool)" >&2; exit 1; }
done
if [[ -e "$dir/ca.crt" ]]; then
  echo "$0: $dir/ca.crt exists: refusing to replace a CA (use another DIR or delete it first)" >&2
  exit 1
fi
mkdir -p "$dir"
umask 077

san=""
for h in "${hosts[@]}"; do
  if [[ "$h" =~ ^[0-9.]+$ || "$h" == *:* ]]; then
    san+="${san:+,}IP:$h"
  else
    san+="${san:+,}DNS:$h"
  fi
done
days=${CERT_DAYS:-825}

openssl req -x509 -new -newkey rsa:3072 -nodes -sha256 -days "$days" \
  -subj "/CN=ssot-pipeline test CA $(date -u +%Y%m%dT%H%M%SZ)-$RANDOM" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null

openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=${hosts[0]}" \
  -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
cat > "$dir/server.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=$san
EXT
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -sha256 -days "$days" \
  -extfile "$dir/server.ext" -out "$dir/server-only.crt" 2>/dev/null
cat "$dir/server-only.crt" "$dir/ca.crt" > "$dir/server.crt"

openssl rand -hex 24 > "$dir/server.p12.password"
openssl pkcs12 -export -name server -inkey "$dir/server.key" -in "$dir/server-only.crt" -certfile "$dir/ca.crt" \
  -passout "file:$dir/server.p12.password" -out "$dir/server.p12"

openssl rand -hex 24 > "$dir/truststore.p12.password"
keytool -importcert -noprompt -alias ssot-ca -file "$dir/ca.crt" -storetype PKCS12 -keystore "$dir/truststore.p12" \
  -storepass:file "$dir/truststore.p12.password" >/dev/null

rm -f "$dir/server.csr" "$dir/server.ext" "$dir/server-only.crt" "$dir/ca.srl"
# certificates are public; keys and the password stay 0600 (PostgreSQL refuses a key others can read)
chmod 0644 "$dir/ca.crt" "$dir/server.crt"
chmod 0644 "$dir/truststore.p12"
chmod 0600 "$dir/ca.key" "$dir/server.key" "$dir/server.p12" "$dir/server.p12.password" "$dir/truststore.p12.password"
echo "Made a CA and a server certificate for ${hosts[*]} in $dir (trust $dir/ca.crt)"
