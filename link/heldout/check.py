#!/usr/bin/env python3
"""Checks a directory gen.py wrote and prints what it holds.

Usage: check.py DIR

Checks the headers; which columns each channel fills; that every member_ref and
radio_id on a report is the shop's own (or the radio a non-member borrows) and is
found in the shop's register entry unless FAULTS.csv records why not; that no BCRP
or retailer report arrives before its incident, radio alerts arrive seconds after
they were sent and retailer rows with the next month's export; that each register
parses with the csv module, has the documented header and unique member ids, and
that the faults FAULTS.csv lists are there. Prints fill rates, fault counts and
arrival delays. Exits 1 on the first kind of failure found (all are listed).
Standard library only.
"""
import collections
import csv
import datetime as dt
import os
import sys

REPORT_COLS = ["report_id", "source", "source_record_id", "occurred_at", "premises_name", "premises_postcode",
               "offence", "offender_description", "property_value_gbp", "staff_injured", "narrative",
               "member_ref", "radio_id", "scheme", "town", "arrived_at"]
INCIDENT_COLS = ["true_incident_id", "time", "shop_id", "town", "chain", "street", "postcode", "category",
                 "alt_category", "offender_id", "hard_case", "member_id", "scheme"]
REGISTER_COLS = ["member_id", "trading_name", "branch", "aliases", "address", "postcode", "town", "scheme",
                 "radio_ids", "bcrp_ids", "store_numbers", "status"]
FAULT_COLS = ["fault", "scheme", "member_id", "shop_id", "other_member_id", "detail"]
SHOP_COLS = ["shop_id", "scheme", "town", "chain", "name", "street", "number", "postcode", "store_no",
             "bcrp_id", "platform_town", "radios", "send_radios", "member_id", "onair"]

errors = collections.Counter()
examples = {}


def fail(kind, example):
    errors[kind] += 1
    examples.setdefault(kind, example)


def read(path, want):
    with open(path, newline="", encoding="utf-8") as f:
        rdr = csv.reader(f)
        header = next(rdr)
        if header != want:
            fail(f"header of {os.path.basename(path)}", f"{header} != {want}")
        return [dict(zip(header, row)) for row in rdr]


def ids(field):
    return [x.strip() for x in field.replace("|", ";").split(";") if x.strip()]


def parse(s, fmt):
    return dt.datetime.strptime(s, fmt)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    reports = read(os.path.join(d, "reports.csv"), REPORT_COLS)
    truth = {r["report_id"]: r["true_incident_id"] for r in read(os.path.join(d, "truth.csv"),
                                                                 ["report_id", "true_incident_id"])}
    incidents = {r["true_incident_id"]: r for r in read(os.path.join(d, "incidents.csv"), INCIDENT_COLS)}
    reg_dir = os.path.join(d, "registers")
    have_registers = os.path.isdir(reg_dir)
    n = len(reports)
    print(f"{d}: {n} reports, {len(incidents)} incidents")

    # ---- registers ------------------------------------------------------------
    members = {}   # (scheme, member_id) -> row
    listed_radio = {}  # radio id -> (scheme, member_id)
    listed_bcrp = {}
    faults = []
    shops = {}
    if have_registers:
        shops = {r["shop_id"]: r for r in read(os.path.join(d, "shops.csv"), SHOP_COLS)}
        faults = read(os.path.join(reg_dir, "FAULTS.csv"), FAULT_COLS)
        files = sorted(f for f in os.listdir(reg_dir) if f.endswith(".csv") and f != "FAULTS.csv")
        n_members = 0
        for fname in files:
            scheme = fname[:-4]
            rows = read(os.path.join(reg_dir, fname), REGISTER_COLS)
            seen = set()
            for row in rows:
                n_members += 1
                mid = row["member_id"]
                if not mid or not row["trading_name"]:
                    fail("register row without member_id or trading_name", (fname, row))
                if mid in seen:
                    fail("member_id not unique in its register", (fname, mid))
                seen.add(mid)
                if row["scheme"] != scheme:
                    fail("register scheme column is not the file's scheme", (fname, row["scheme"]))
                if row["status"] not in ("active", "left"):
                    fail("status neither active nor left", (fname, row))
                members[(scheme, mid)] = row
                for rid in ids(row["radio_ids"]):
                    if rid in listed_radio:
                        fail("radio id listed twice", rid)
                    listed_radio[rid] = (scheme, mid)
                for b in ids(row["bcrp_ids"]):
                    if b in listed_bcrp:
                        fail("bcrp id listed twice", b)
                    listed_bcrp[b] = (scheme, mid)
        print(f"registers: {len(files)} files, {n_members} rows")
    fault_of = collections.defaultdict(set)  # (kind, scheme, member_id or shop:<id>) present
    for f in faults:
        fault_of[(f["fault"], f["scheme"], f["member_id"])].add(f["detail"])
        if f["shop_id"]:
            fault_of[(f["fault"], f["scheme"], "shop:" + f["shop_id"])].add(f["detail"])

    # ---- incidents vs shops ----------------------------------------------------
    for inc in incidents.values():
        if have_registers:
            s = shops[inc["shop_id"]]
            if s["member_id"] != inc["member_id"] or s["scheme"] != inc["scheme"]:
                fail("incidents.csv member_id/scheme differ from shops.csv", inc["true_incident_id"])
            if inc["member_id"] and (inc["scheme"], inc["member_id"]) not in members:
                fail("incident's member_id not in its register", inc["true_incident_id"])
            if not inc["member_id"] and ("missing_member", inc["scheme"], "shop:" + inc["shop_id"]) not in fault_of:
                fail("non-member shop without a missing_member fault", inc["shop_id"])

    # ---- reports ---------------------------------------------------------------
    by_src = collections.defaultdict(list)
    for r in reports:
        by_src[r["source"]].append(r)
    print("\ncolumn fill rates (share of the channel's rows non-empty):")
    print(f"  {'':14}" + "".join(f"{c:>12}" for c in ["member_ref", "radio_id", "scheme", "town", "arrived_at"]))
    for src, rows in sorted(by_src.items()):
        rates = [sum(1 for r in rows if r[c]) / len(rows) for c in ["member_ref", "radio_id", "scheme", "town",
                                                                     "arrived_at"]]
        print(f"  {src:14}" + "".join(f"{x:12.1%}" for x in rates) + f"   ({len(rows)} rows)")
    must_be_empty = {"bcrp": ["radio_id"], "retailer_csv": ["radio_id", "scheme", "town"],
                     "radio": ["member_ref"]}
    must_be_set = {"bcrp": ["scheme", "town", "arrived_at"], "retailer_csv": ["arrived_at"],
                   "radio": ["scheme", "town", "arrived_at"]}
    outcome = collections.Counter()
    delays = collections.defaultdict(list)
    for r in reports:
        src = r["source"]
        if src not in must_be_empty:
            fail("unknown source", src)
            continue
        for c in must_be_empty[src]:
            if r[c]:
                fail(f"{c} set on a {src} row", r["report_id"])
        for c in must_be_set[src]:
            if not r[c]:
                fail(f"{c} empty on a {src} row", r["report_id"])
        inc = incidents[truth[r["report_id"]]]
        t = parse(inc["time"], "%Y-%m-%d %H:%M")  # minutes: the true time is up to 59 s later
        try:
            a = parse(r["arrived_at"], "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            fail("arrived_at not YYYY-MM-DDTHH:MM:SS", r["report_id"])
            continue
        if src != "retailer_csv" and r["scheme"] != inc["scheme"]:
            fail("scheme is not the shop's", r["report_id"])
        if src == "radio" and r["town"] + "-bcrp" != inc["scheme"]:
            fail("radio town is not the scheme's town", r["report_id"])
        if src == "bcrp":
            if a < t:
                fail("bcrp arrives before the incident", r["report_id"])
            delays["bcrp"].append((a - t).total_seconds() / 3600)
        elif src == "retailer_csv":
            y, m = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
            if a != dt.datetime(y, m, 2, 3, 0, 0):
                fail("retailer row not with the next month's export", r["report_id"])
            delays["retailer_csv"].append((a - t).total_seconds() / 86400)
        else:
            occ = r["occurred_at"].replace(" ", "T")
            o = parse(occ, "%Y-%m-%dT%H:%M:%S" if len(occ) == 19 else "%Y-%m-%dT%H:%M")
            lag = (a - o).total_seconds()
            if not 5 <= lag <= 90 + 60:
                fail("radio alert not 5-90 s after it was sent", (r["report_id"], lag))
            delays["radio"].append(lag)
        if not have_registers:
            continue
        shop = shops[inc["shop_id"]]
        scheme, mid = inc["scheme"], inc["member_id"]
        member = members.get((scheme, mid)) if mid else None
        if src == "bcrp" and r["member_ref"]:
            ref = r["member_ref"]
            if ref != shop["bcrp_id"]:
                fail("bcrp member_ref is not the shop's platform id", r["report_id"])
            elif member is None:
                outcome["bcrp member_ref: shop not on its register (missing_member)"] += 1
            elif ref in ids(member["bcrp_ids"]):
                outcome["bcrp member_ref: found on the shop's register entry"] += 1
            elif ("no_bcrp_id", scheme, mid) in fault_of:
                outcome["bcrp member_ref: register entry has no bcrp id (no_bcrp_id)"] += 1
            else:
                fail("bcrp member_ref neither listed nor a documented fault", r["report_id"])
            if ref in listed_bcrp and listed_bcrp[ref] != (scheme, mid):
                fail("bcrp member_ref listed for another member", r["report_id"])
        if src == "retailer_csv" and r["member_ref"]:
            ref = r["member_ref"]
            if ref != shop["store_no"] or not shop["chain"]:
                fail("retailer member_ref is not the shop's store number", r["report_id"])
            elif ref in r["premises_name"]:
                outcome["retailer member_ref: also in this row's premises_name"] += 1
            if member is None:
                outcome["retailer member_ref: shop not on its register (missing_member)"] += 1
            elif ref in ids(member["store_numbers"]):
                outcome["retailer member_ref: found on the shop's register entry"] += 1
            else:
                outcome["retailer member_ref: register does not know the store number"] += 1
        if src == "radio" and r["radio_id"]:
            rid = r["radio_id"]
            if rid not in ids(shop["send_radios"]):
                fail("radio_id is not one the shop sends on", r["report_id"])
            elif member is not None and rid in ids(member["radio_ids"]):
                outcome["radio_id: listed for the shop's member"] += 1
            elif rid in listed_radio:
                other = listed_radio[rid]
                if member is None and rid not in ids(shop["radios"]):
                    outcome["radio_id: a neighbouring member's radio a non-member borrows (missing_member)"] += 1
                elif any(rid in det for det in fault_of.get(("stale_radio", other[0], other[1]), ())):
                    outcome["radio_id: listed for another member (stale_radio)"] += 1
                else:
                    fail("radio_id listed for another member without a fault", r["report_id"])
            elif member is None:
                outcome["radio_id: a non-member's own radio, on no register (missing_member)"] += 1
            else:
                fail("radio_id of a member on no register without a fault", r["report_id"])

    print("\narrival: hours after the incident (bcrp), days (retailer_csv), seconds after the alert (radio):")
    for src, xs in sorted(delays.items()):
        xs.sort()
        q = [xs[int(len(xs) * p)] for p in (0.0, 0.1, 0.5, 0.9, 0.99)] + [xs[-1]]
        print(f"  {src:14} min {q[0]:.2f}  p10 {q[1]:.2f}  median {q[2]:.2f}  p90 {q[3]:.2f}  p99 {q[4]:.2f}"
              f"  max {q[5]:.2f}")
    if delays["bcrp"]:
        xs = delays["bcrp"]
        print(f"  bcrp arriving 8 h or more later: {sum(1 for x in xs if x >= 8) / len(xs):.1%}; "
              f"on a later calendar day: ", end="")
        later = 0
        for r in by_src["bcrp"]:
            t = parse(incidents[truth[r["report_id"]]]["time"], "%Y-%m-%d %H:%M")
            later += parse(r["arrived_at"], "%Y-%m-%dT%H:%M:%S").date() > t.date()
        print(f"{later / len(xs):.1%}")

    if have_registers:
        # The faults are really there.
        for f in faults:
            key = (f["scheme"], f["member_id"])
            m = members.get(key)
            kind = f["fault"]
            if kind == "missing_member":
                if shops[f["shop_id"]]["member_id"]:
                    fail("missing_member shop has a member id", f)
                continue
            if m is None:
                fail("fault names a member not on the register", f)
                continue
            if kind == "postcode_missing" and m["postcode"]:
                fail("postcode_missing but a postcode is listed", f)
            if kind == "postcode_typo" and m["postcode"] == shops[f["shop_id"]]["postcode"]:
                fail("postcode_typo but the postcode is right", f)
            if kind == "no_bcrp_id" and m["bcrp_ids"]:
                fail("no_bcrp_id but a bcrp id is listed", f)
            if kind in ("left",) and m["status"] != "left":
                fail("left but status is not left", f)
            if kind == "shared_alias":
                o = members[(f["scheme"], f["other_member_id"])]
                if not set(ids(m["aliases"])) & set(ids(o["aliases"])):
                    fail("shared_alias pair shares no alias", f)
            if kind == "stale_alias" and f["detail"].split("'")[1] not in ids(m["aliases"]):
                fail("stale alias not listed", f)
            if kind == "renamed" and m["trading_name"] == shops[f["shop_id"]]["name"]:
                fail("renamed but the register has the shop's name", f)
            if kind == "stale_radio":
                rid = f["detail"].split()[0]
                if rid not in ids(m["radio_ids"]):
                    fail("stale radio not listed for the member", f)
                if rid not in ids(shops[f["shop_id"]]["radios"]):
                    fail("stale radio not the named shop's", f)
            if kind == "closed_member" and f["shop_id"]:
                fail("closed member with a shop", f)
        n_shops = len(shops)
        n_members = len(members)
        print(f"\nshops: {n_shops}, of which on their register: "
              f"{sum(1 for s in shops.values() if s['member_id'])}; register rows: {n_members}")
        counts = collections.Counter(f["fault"] for f in faults)
        n_real = sum(1 for s in shops.values() if s["member_id"])
        n_radios = sum(len(ids(s["radios"])) for s in shops.values() if s["member_id"])
        chain_members = collections.Counter((s["scheme"], s["chain"]) for s in shops.values()
                                            if s["member_id"] and s["chain"])
        pairs = sum(c // 2 for c in chain_members.values())
        denom = {"missing_member": (n_shops, "shops"), "shared_alias": (pairs, "same-chain member pairs"),
                 "stale_radio": (n_radios, "members' radios")}
        print("faults (FAULTS.csv):")
        for kind, c in sorted(counts.items()):
            dn, what = denom.get(kind, (n_real, "members"))
            print(f"  {kind:18} {c:6d}  ({c / max(1, dn):.1%} of {dn} {what})")
        details = collections.Counter()
        for f in faults:
            if f["fault"] == "missing_member":
                details["missing_member: sends on a neighbour's radio" if f["detail"].startswith("sends")
                        else "missing_member: own unregistered radios"] += 1
            elif f["fault"] == "renamed":
                details["renamed: " + f["detail"].split(":")[0]] += 1
                if f["detail"].endswith("kept: True"):
                    details["renamed: register_newer, old name kept as alias"] += 1
            elif f["fault"] == "stale_alias":
                details["stale_alias: now used by a neighbouring shop" if "neighbouring" in f["detail"]
                        else "stale_alias: the street of another branch now" if "now the street" in f["detail"]
                        else "stale_alias: no longer used on air"] += 1
            elif f["fault"] == "shared_alias":
                details["shared_alias: the bare chain name" if "bare chain" in f["detail"]
                        else "shared_alias: chain and landmark"] += 1
            elif f["fault"] == "closed_member":
                details["closed_member: " + f["detail"].split(", ")[-1]] += 1
        for k, c in sorted(details.items()):
            print(f"    {k:58} {c:6d}")
        chain_rows = [members[(s["scheme"], s["member_id"])] for s in shops.values() if s["member_id"] and s["chain"]]
        known = sum(1 for m in chain_rows if m["store_numbers"])
        print(f"  store_numbers listed on {known} of {len(chain_rows)} chain members ({known / len(chain_rows):.1%})")
        print(f"  status=left rows: {sum(1 for m in members.values() if m['status'] == 'left')}")
        no_radio = sum(1 for m in members.values() if not m["radio_ids"])
        print(f"  register rows without radio_ids: {no_radio}")
        print("\nreport ids against the registers:")
        for k, c in sorted(outcome.items()):
            print(f"  {k:78} {c:6d}")

    if errors:
        print("\nFAILED:")
        for k, c in errors.items():
            print(f"  {k}: {c} (e.g. {examples[k]})")
        sys.exit(1)
    print("\nOK")


if __name__ == "__main__":
    main()
