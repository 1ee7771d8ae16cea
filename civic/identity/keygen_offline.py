"""Run by the Python of spid-compliant-certificates' own environment (`flask --app civic spid keygen
--offline`): the package's generator with the generator's options, skipping only its online lookup of the IPA
code on IndicePA (its format is still checked). Development and tests only: production runs the real tool."""
from __future__ import annotations

import argparse
import importlib
import pathlib
import re

# The package re-exports a function named like its module: take the module itself.
generator = importlib.import_module("spid_compliant_certificates.generator.generate")


def _check_ipa_code_format_only(options: dict) -> None:
    if not re.match(r"^PA:IT-\S{1,11}$", options["org_id"]):
        raise ValueError(f"invalid organization identifier {options['org_id']!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sector", choices=["public"], default="public")
    parser.add_argument("--md-alg", choices=["sha256", "sha512"], default="sha256")
    parser.add_argument("--key-size", type=int, choices=[2048, 3072, 4096], default=3072)
    for name in ("--key-out", "--csr-out", "--crt-out"):
        parser.add_argument(name, type=pathlib.Path, required=True)
    for name in ("--common-name", "--entity-id", "--locality-name", "--org-id", "--org-name"):
        parser.add_argument(name, required=True)
    parser.add_argument("--days", type=int, required=True)
    args = parser.parse_args()
    generator._validate_public_arguments = _check_ipa_code_format_only
    generator.generate(
        {"common_name": args.common_name, "days": args.days, "entity_id": args.entity_id,
         "locality_name": args.locality_name, "org_id": args.org_id, "org_name": args.org_name,
         "sector": args.sector},
        {"crt_out": args.crt_out, "csr_out": args.csr_out, "key_out": args.key_out, "key_size": args.key_size,
         "md_alg": args.md_alg},
    )


if __name__ == "__main__":
    main()
