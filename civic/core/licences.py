"""The open-data licences a body may choose, by SPDX-style identifier: (title, address of its text)."""
from __future__ import annotations

LICENCES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution Share-Alike 4.0",
                     "https://creativecommons.org/licenses/by-sa/4.0/"),
    "CC0-1.0": ("CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "IODL-2.0": ("Italian Open Data License 2.0", "https://www.dati.gov.it/iodl/2.0/"),
}
