"""US ZIP centroids from the `zipcodes` package (offline), bulk-loaded with COPY."""

from __future__ import annotations

from django.db import connection


def postal_code_rows():
    import zipcodes

    for z in zipcodes.list_all():
        if z.get("lat") in (None, "") or z.get("long") in (None, ""):
            continue
        yield z["zip_code"], z["city"][:80], z["state"][:2], float(z["lat"]), float(z["long"])


def load_postal_codes(*, using_connection=None) -> int:
    """Replace the PostalCode table with the package's data. Returns the row count."""
    conn = using_connection or connection
    with conn.cursor() as cursor:
        cursor.execute("DELETE FROM hubs_postalcode")
        count = 0
        with cursor.cursor.copy("COPY hubs_postalcode (code, city, state, lat, lon) FROM STDIN") as copy:
            for row in postal_code_rows():
                copy.write_row(row)
                count += 1
    return count
