#!/usr/bin/env bash
# Makes a throwaway CA and a certificate for "localhost" signed by it, for the SMTP tests:
#   scripts/smtp-certs.sh DIR   → DIR/ca.pem, DIR/cert.pem, DIR/key.pem
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
[ -f cert.pem ] && exit 0
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 30 -subj "/CN=Todo test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout key.pem -out req.pem -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >ext.cnf
openssl x509 -req -in req.pem -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out cert.pem -days 30 -extfile ext.cnf 2>/dev/null
