#!/usr/bin/env bash
# netsleuth blocklist export (Google Cloud Armor), with an unterminated quote
set -euo pipefail
gcloud compute security-policies rules create 1000 \
  --security-policy=netsleuth-blocklist \
  --src-ip-ranges=192.0.2.0/24 \
  --action=deny-403 \
  --description="netsleuth block 1
