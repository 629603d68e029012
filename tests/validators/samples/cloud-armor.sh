#!/usr/bin/env bash
# netsleuth blocklist export (Google Cloud Armor)
set -euo pipefail
gcloud compute security-policies create netsleuth-blocklist --description="netsleuth blocklist"
gcloud compute security-policies rules create 1000 \
  --security-policy=netsleuth-blocklist \
  --src-ip-ranges=192.0.2.0/24,198.51.100.7/32,2001:db8::/32 \
  --action=deny-403 \
  --description="netsleuth block 1"
