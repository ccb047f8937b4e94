"""OCPI at the boundary: read files of OCPI records and turn them into `cdrlib.model` objects.

- `reader`: files (JSON object / array / OCPI response envelope / NDJSON, optionally gzip) -> raw records.
- `records`: one raw record -> `model.Cdr` / `model.Tariff` / `model.Location`, strictly validated;
  and a stored CDR back to OCPI JSON.

The other modules are the parts behind these two: `models` (pydantic wire models), `convert` (wire ->
domain, cross-field rules, the OCPI 2.1.1 upgrade), `readback` (domain -> wire), `jsontext` (exact
JSON numbers, canonical text) and `iso_codes`.
"""

from cdrlib.ocpi import reader, records

__all__ = ["reader", "records"]
