#!/usr/bin/env python3
"""Independent held-out corpus generator for business-crime report linkage.

Simulates shop incidents in Greater Manchester, Leeds, Nottingham and Cardiff,
each reported through one to three channels (bcrp / retailer_csv / radio) with
channel-specific noise, plus deliberate hard cases.

Usage: gen.py --incidents N --seed S --out DIR [--no-registers]
Writes DIR/reports.csv, DIR/truth.csv (and DIR/incidents.csv: ground-truth
incident attributes incl. hard-case tags, for error analysis only), and each
town scheme's member register, with realistic faults, as
DIR/registers/<scheme>.csv (the faults listed in DIR/registers/FAULTS.csv and
every shop's true ids in DIR/shops.csv, for analysis only).
Standard library only. Check a generated DIR with check.py.
"""
import argparse
import csv
import datetime as dt
import math
import os
import random

# --------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------
# town -> (region code, [postcode districts], [streets], [landmarks for radio])
TOWNS = {
    # Greater Manchester
    "Manchester": ("GMP", ["M1", "M2", "M4"], [
        "Oldham Street", "Market Street", "Piccadilly", "Deansgate", "Church Street",
        "Tib Street", "High Street", "Portland Street", "Shudehill", "Oxford Street",
        "Cross Street", "Corporation Street", "Withy Grove", "Lever Street"],
        ["PICCADILLY", "ARNDALE", "PICC GDNS", "SHUDEHILL", "NQ", "ST ANNS SQ", "VICTORIA STN"]),
    "Oldham": ("GMP", ["OL1", "OL8"], [
        "Yorkshire Street", "Union Street", "High Street", "Curzon Street", "Manchester Street",
        "George Street", "Market Place"], ["SPINDLES", "TOWN HALL", "BUS STN", "MUMPS"]),
    "Stockport": ("GMP", ["SK1", "SK4"], [
        "Merseyway", "Princes Street", "Great Underbank", "Heaton Moor Road", "Wellington Road South",
        "Lower Hillgate", "Mersey Square"], ["MERSEYWAY", "BUS STN", "VIADUCT", "REDROCK"]),
    "Bolton": ("GMP", ["BL1", "BL3"], [
        "Deansgate", "Newport Street", "Bradshawgate", "Churchgate", "Victoria Square",
        "Derby Street", "Market Street"], ["INTERCHANGE", "TOWN HALL", "MARKET PLACE CTR"]),
    "Salford": ("GMP", ["M5", "M6", "M7"], [
        "Chapel Street", "Cross Lane", "Eccles New Road", "Bury New Road", "Frederick Road",
        "Langworthy Road"], ["SALFORD PCT", "CENTRE", "PENDLETON", "MEDIACITY"]),
    "Didsbury": ("GMP", ["M20"], [
        "Wilmslow Road", "School Lane", "Barlow Moor Road", "Lapwing Lane", "Burton Road"],
        ["VILLAGE", "PARRS WOOD", "METRO"]),
    "Rusholme": ("GMP", ["M14"], [
        "Wilmslow Road", "Platt Lane", "Dickenson Road", "Claremont Road", "Moseley Road"],
        ["CURRY MILE", "PLATT FIELDS", "FALLOWFIELD"]),
    "Wigan": ("GMP", ["WN1", "WN3"], [
        "Standishgate", "Market Street", "Wallgate", "Library Street", "Mesnes Street"],
        ["GRAND ARCADE", "GALLERIES", "N/W STN"]),
    # Leeds
    "Leeds": ("WYP", ["LS1", "LS2"], [
        "Briggate", "Kirkgate", "Boar Lane", "Vicar Lane", "Albion Street", "The Headrow",
        "Commercial Street", "Lands Lane", "New Briggate", "Call Lane", "Wellington Street",
        "Park Row"], ["TRINITY", "CORN EXCH", "CITY STN", "KIRKGATE MKT", "VICTORIA QTR"]),
    "Headingley": ("WYP", ["LS6"], [
        "Otley Road", "North Lane", "Headingley Lane", "Cardigan Road", "Kirkstall Lane"],
        ["ARNDALE CTR", "STADIUM", "HYDE PARK"]),
    "Beeston (Leeds)": ("WYP", ["LS11"], [
        "Dewsbury Road", "Town Street", "Cross Flatts", "Lady Pit Lane", "Old Lane"],
        ["HUNSLET", "COTTINGLEY", "ELLAND RD"]),
    "Armley": ("WYP", ["LS12"], [
        "Town Street", "Tong Road", "Stanningley Road", "Branch Road", "Wortley Road"],
        ["ARMLEY GYRATORY", "TOWN ST", "ARMLEY PARK"]),
    "Harehills": ("WYP", ["LS8", "LS9"], [
        "Harehills Lane", "Roundhay Road", "Harehills Road", "Compton Road", "Easterly Road"],
        ["BANSTEAD PK", "FEARNVILLE", "SEACROFT"]),
    "Pudsey": ("WYP", ["LS28"], [
        "Lowtown", "Church Lane", "Market Place", "Richardshaw Lane", "Chapeltown"],
        ["PARK", "BUS STN"]),
    # Nottingham
    "Nottingham": ("NTP", ["NG1"], [
        "Long Row", "Lister Gate", "Clumber Street", "Parliament Street", "Upper Parliament Street",
        "Goose Gate", "Carrington Street", "Victoria Street", "Wheeler Gate", "Market Street",
        "Milton Street"], ["VIC CTR", "BROADMARSH", "OLD MKT SQ", "HOCKLEY", "LACE MKT"]),
    "West Bridgford": ("NTP", ["NG2"], [
        "Central Avenue", "Melton Road", "Gordon Road", "Bridgford Road", "Trent Boulevard"],
        ["TRENT BRIDGE", "CITY GROUND", "GAMSTON"]),
    "Beeston (Notts)": ("NTP", ["NG9"], [
        "High Road", "Station Road", "Chilwell Road", "Wollaton Road", "Humber Road"],
        ["SQUARE", "TRAM STOP", "RYLANDS"]),
    "Bulwell": ("NTP", ["NG6"], [
        "Main Street", "Commercial Road", "Highbury Road", "Station Road", "Carey Road"],
        ["MARKET PLACE", "BOGS", "HIGHBURY VALE"]),
    "Arnold": ("NTP", ["NG5"], [
        "Front Street", "High Street", "Mansfield Road", "Plains Road", "Church Street"],
        ["SHERWOOD", "MAPPERLEY", "DAYBROOK"]),
    # Cardiff
    "Cardiff": ("SWP", ["CF10"], [
        "Queen Street", "St Mary Street", "The Hayes", "Castle Street", "Westgate Street",
        "Working Street", "Churchill Way", "Charles Street", "Caroline Street", "High Street"],
        ["ST DAVIDS", "CENTRAL STN", "CASTLE", "QUEEN ST STN", "CAPITOL"]),
    "Canton": ("SWP", ["CF11", "CF5"], [
        "Cowbridge Road East", "Wellfield Road", "Llandaff Road", "Leckwith Road", "Severn Road"],
        ["VICTORIA PARK", "LECKWITH", "ELY BRIDGE"]),
    "Roath": ("SWP", ["CF24"], [
        "City Road", "Albany Road", "Wellfield Road", "Crwys Road", "Clifton Street", "Broadway"],
        ["ROATH PARK", "SPLOTT", "ADAMSDOWN"]),
    "Whitchurch": ("SWP", ["CF14"], [
        "Merthyr Road", "Park Road", "Heol Don", "Manor Way", "Caerphilly Road"],
        ["HEATH", "LLANDAFF NORTH", "BIRCHGROVE"]),
    "Ely (Cardiff)": ("SWP", ["CF5"], [
        "Grand Avenue", "Cowbridge Road West", "Wilson Road", "Archer Road"],
        ["CAERAU", "TRELAI PARK"]),
}
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# chain -> (weight, bcrp names, retailer-export prefix, radio names, retailer id prefix, opening)
CHAINS = {
    "Tesco Express": (12, ["Tesco Express", "Tesco Express", "Tesco Exp", "Tesco"], "TESCO EXP", ["TESCO", "TESCO EXP", "TESCOS"], "TSC", "conv"),
    "Sainsbury's Local": (9, ["Sainsbury's Local", "Sainsburys Local", "Sainsbury's", "Sainsburys"], "SAINSBURYS LCL", ["SAINSBURYS", "SAINSBURY", "SAINSBURYS LOCAL"], "JS", "conv"),
    "Co-op": (10, ["Co-op", "Co-op Food", "The Co-operative", "Coop"], "COOP FOOD", ["COOP", "CO-OP", "CO OP"], "COOP", "conv"),
    "Boots": (7, ["Boots", "Boots Pharmacy", "Boots the Chemist"], "BOOTS UK", ["BOOTS"], "BTS", "day"),
    "Superdrug": (5, ["Superdrug", "Superdrug Stores"], "SUPERDRUG", ["SUPERDRUG", "SDRUG"], "SDG", "day"),
    "Greggs": (6, ["Greggs", "Greggs the Bakers", "Greggs"], "GREGGS PLC", ["GREGGS"], "GRG", "day"),
    "Aldi": (4, ["Aldi", "Aldi Stores"], "ALDI", ["ALDI"], "ALD", "super"),
    "Lidl": (4, ["Lidl", "Lidl GB"], "LIDL GB", ["LIDL"], "LDL", "super"),
    "B&M": (4, ["B&M", "B&M Bargains", "B and M"], "B&M RETAIL", ["B&M", "B AND M", "B+M"], "BM", "day"),
    "Home Bargains": (4, ["Home Bargains", "Home Bargains Ltd"], "HOME BARGAINS", ["HOME BARGAINS", "HOMEBARGAINS", "H/BARGAINS"], "HB", "day"),
    "Poundland": (4, ["Poundland", "Poundland Ltd"], "POUNDLAND", ["POUNDLAND", "P/LAND"], "PLD", "day"),
    "JD Sports": (3, ["JD Sports", "JD", "JD Sports Fashion"], "JD SPORTS", ["JD", "JD SPORTS", "J D SPORTS"], "JDS", "day"),
    "Primark": (2, ["Primark", "Primark Stores"], "PRIMARK", ["PRIMARK", "PRIMARKS"], "PRK", "day"),
    "Morrisons Daily": (5, ["Morrisons Daily", "Morrisons", "Morrison's Daily"], "MORRISONS DAILY", ["MORRISONS", "MORRISONS DAILY"], "MOR", "conv"),
    "Spar": (6, ["Spar", "SPAR", "Spar Express"], "SPAR", ["SPAR"], "SPR", "conv"),
    "One Stop": (5, ["One Stop", "One Stop Shop", "OneStop"], "ONE STOP", ["ONE STOP", "ONESTOP"], "OS", "conv"),
    "WHSmith": (2, ["WHSmith", "WH Smith", "W H Smith"], "WHSMITH", ["WHSMITH", "WH SMITHS", "SMITHS"], "WHS", "day"),
    "Iceland": (3, ["Iceland", "Iceland Foods"], "ICELAND", ["ICELAND"], "ICE", "super"),
    "Asda": (2, ["Asda", "ASDA", "Asda Express"], "ASDA", ["ASDA"], "ASD", "super"),
    "M&S Simply Food": (3, ["M&S Simply Food", "Marks & Spencer", "M&S", "Marks and Spencer Simply Food"], "M&S SF", ["M&S", "M AND S", "MARKS"], "MS", "day"),
    "Sports Direct": (2, ["Sports Direct", "SportsDirect"], "SPORTS DIRECT", ["SPORTS DIRECT", "SPORTSDIRECT"], "SD", "day"),
    "Savers": (2, ["Savers", "Savers Health & Beauty"], "SAVERS", ["SAVERS"], "SAV", "day"),
    "Card Factory": (2, ["Card Factory", "Cardfactory"], "CARD FACTORY", ["CARD FACTORY", "CARDFACTORY"], "CF", "day"),
    "TK Maxx": (1, ["TK Maxx", "TK Max", "TKMaxx"], "TK MAXX", ["TK MAXX", "TKMAXX"], "TKM", "day"),
}

SURNAMES = ["Patel", "Khan", "Singh", "Hussain", "Ahmed", "Shah", "Begum", "Ali", "Kaur", "Mistry",
            "Sharma", "Chowdhury", "Iqbal", "Rahman", "Evans", "Jones", "Williams", "Davies",
            "Morgan", "Hughes", "Kowalski", "Nowak", "O'Brien", "Murphy", "Taylor", "Smith",
            "Brown", "Wilson", "Lee", "Chen", "Nguyen", "Osei", "Mensah", "Yilmaz", "Demir"]
INDEP_PATTERNS = [
    "{sur}'s News", "{sur} News & Booze", "{area} Food & Wine", "{area} Vape", "{street} Off Licence",
    "{area} Mini Market", "{sur} Pharmacy", "{area} Convenience Store", "{sur}'s Newsagents",
    "{area} Express Supermarket", "{street} Food Centre", "{area} Phone Repairs", "{sur} Jewellers",
    "{area} Vape Lounge", "{sur} Halal Meats", "{area} Best-One", "{street} Discount Store",
    "{area} Polski Sklep", "{area} Premier", "{sur} Bros Wines", "The {area} Deli",
]
STREET_ABBR = [("Street", "St"), ("Road", "Rd"), ("Lane", "Ln"), ("Avenue", "Ave"),
               ("Square", "Sq"), ("Place", "Pl"), ("Boulevard", "Blvd"), ("Upper ", "Upr "),
               ("Great ", "Gt "), ("Lower ", "Lwr "), ("North", "N"), ("South", "S"), ("East", "E"), ("West", "W")]

# --------------------------------------------------------------------------
# Offences
# --------------------------------------------------------------------------
OFFENCE_TYPES = [("THEFT", 55), ("ABUSE", 9), ("ASSAULT", 6), ("ROBBERY", 4), ("DAMAGE", 7),
                 ("FRAUD", 8), ("ASB", 11)]
OFF_WORDS = {
    "bcrp": {
        "THEFT": ["Shop theft", "Shoplifting", "Theft from shop", "Theft - walkout", "Theft of goods",
                  "Shop Theft", "Theft (shop)", "Theft - distraction"],
        "ABUSE": ["Abusive customer", "Verbal abuse of staff", "Threats to staff", "Racial abuse of staff",
                  "Public order - abuse to staff", "Threatening behaviour"],
        "ASSAULT": ["Staff assaulted", "Assault on staff", "Violence against shopworker",
                    "Common assault (staff)", "Assault - spat at staff", "Physical assault"],
        "ROBBERY": ["Robbery", "Robbery (till snatch)", "Robbery - knife", "Robbery of staff",
                    "Theft with violence", "Armed robbery"],
        "DAMAGE": ["Criminal damage", "Criminal damage to door", "Damage to window",
                   "Criminal damage - smashed display", "Graffiti", "Damage to shutter"],
        "FRAUD": ["Refund fraud", "Counterfeit notes", "Card fraud", "Fraud by false representation",
                  "Fraud - stolen card", "Fake £20 note"],
        "ASB": ["Youths causing ASB", "Anti-social behaviour", "ASB - youths", "Nuisance behaviour",
                "ASB", "Begging / ASB outside store"],
    },
    "retailer_csv": {
        "THEFT": ["THEFT", "Theft - walkout", "Shoplifting", "Theft (known offender)", "Theft - Customer",
                  "MALICIOUS THEFT", "Theft - sweep"],
        "ABUSE": ["Customer abuse", "Verbal abuse", "Abuse/Threats", "VERBAL ABUSE", "Anti-social - verbal"],
        "ASSAULT": ["Physical assault", "Colleague assaulted", "VIOLENCE", "Physical abuse", "Assault"],
        "ROBBERY": ["Robbery", "Till snatch", "ROBBERY", "Cash office robbery", "Robbery - till"],
        "DAMAGE": ["Damage", "Criminal damage", "Vandalism", "DAMAGE TO PROPERTY", "Malicious damage"],
        "FRAUD": ["Refund fraud", "Counterfeit currency", "Fraud", "REFUND ABUSE", "Payment fraud"],
        "ASB": ["ASB", "Anti social behaviour", "Youths nuisance", "ANTI-SOCIAL", "Nuisance"],
    },
    "radio": {
        "THEFT": ["TFS", "SHOPLIFTER", "THEFT", "TFS IN PROG", "WALKOUT", "TFS DECAMPED", "THIEF"],
        "ABUSE": ["ABUSIVE MALE", "AGGRESSIVE CUST", "THREATS TO STAFF", "ABUSIVE", "AGGRO MALE"],
        "ASSAULT": ["ASSAULT STAFF", "STAFF ASSAULTED", "VIOLENT MALE", "ASSAULT", "ASSLT ON STAFF"],
        "ROBBERY": ["ROBBERY", "TILL SNATCH", "ROBBERY KNIFE SEEN", "ROBBERY IN PROG"],
        "DAMAGE": ["CRIM DAMAGE", "DAMAGE TO DOOR", "SMASHED WINDOW", "CD"],
        "FRAUD": ["FRAUD", "REFUND FRAUD", "FAKE NOTES", "DODGY NOTES"],
        "ASB": ["YOUTHS ASB", "ASB YOUTHS", "NUISANCE YOUTHS", "ASB", "YOUTHS CAUSING ISSUES"],
    },
}
# Secondary category channels may record instead (a theft that turned nasty etc.)
ESCALATION = {"THEFT": ["ABUSE", "ASSAULT", "ROBBERY"], "ASB": ["ABUSE", "DAMAGE"],
              "FRAUD": ["ABUSE", "THEFT"], "ABUSE": ["ASB", "ASSAULT"], "ASSAULT": ["ABUSE"],
              "ROBBERY": ["THEFT", "ASSAULT"], "DAMAGE": ["ASB"]}

GOODS = {
    "conv": ["bottles of spirits", "packs of meat", "jars of coffee", "bottles of wine", "boxes of chocolates",
             "packs of steak", "cans of lager", "tubs of Lurpak", "packs of razors", "bottles of Lenor"],
    "day": ["fragrances", "electric toothbrushes", "makeup items", "razor blades", "sandwiches",
            "pairs of trainers", "hoodies", "tracksuits", "headphones", "vapes", "meal deals"],
    "super": ["joints of meat", "bottles of whisky", "packs of nappies", "baby formula", "washing pods",
              "bottles of vodka", "multipacks of crisps", "cheese blocks", "coffee jars"],
}

# --------------------------------------------------------------------------
# Offender appearance
# --------------------------------------------------------------------------
COLOURS = {  # canonical -> (prose variants, radio variants)
    "black": (["black", "black", "dark"], ["BLK", "BLACK", "BLK"]),
    "navy": (["navy", "dark blue", "blue", "navy blue"], ["NVY", "NAVY", "BLU", "D/BLUE"]),
    "grey": (["grey", "gray", "light grey", "charcoal"], ["GRY", "GREY", "GRAY"]),
    "white": (["white", "cream"], ["WHT", "WHITE"]),
    "red": (["red", "burgundy", "maroon"], ["RED", "MAROON"]),
    "green": (["green", "khaki", "olive"], ["GRN", "KHAKI", "GREEN"]),
    "beige": (["beige", "tan", "stone"], ["BEIGE", "TAN"]),
    "blue": (["blue", "light blue", "royal blue"], ["BLU", "BLUE", "L/BLUE"]),
    "camo": (["camo", "camouflage"], ["CAMO"]),
    "pink": (["pink"], ["PINK"]),
    "yellow": (["yellow", "mustard"], ["YEL", "YELLOW"]),
}
TOPS = {"puffer jacket": ["puffer jacket", "puffa jacket", "padded jacket", "coat"],
        "hoodie": ["hoodie", "hooded top", "hoody"], "jacket": ["jacket", "coat"],
        "tracksuit top": ["tracksuit top", "trackie top", "zip-up top"], "gilet": ["gilet", "bodywarmer"],
        "parka": ["parka", "coat with fur hood"], "t-shirt": ["t-shirt", "tee"], "fleece": ["fleece"]}
TOPS_RADIO = {"puffer jacket": ["PUFFA JKT", "PUFFER", "JKT"], "hoodie": ["HOODIE", "HOODY", "HOODED TOP"],
              "jacket": ["JKT", "JACKET", "COAT"], "tracksuit top": ["TRK TOP", "TRACKY TOP"],
              "gilet": ["GILET", "BODYWARMER"], "parka": ["PARKA", "COAT"], "t-shirt": ["T-SHIRT", "TSHIRT"],
              "fleece": ["FLEECE"]}
BRANDS = {"North Face": ["North Face", "Northface", "TNF"], "Nike": ["Nike"], "Adidas": ["Adidas"],
          "Stone Island": ["Stone Island", "Stoney"], "Canada Goose": ["Canada Goose"],
          "Trapstar": ["Trapstar"], "Moncler": ["Moncler"], "Berghaus": ["Berghaus"], "": [""]}
BRANDS_RADIO = {"North Face": ["NORTHFACE", "TNF", "NORTH FACE"], "Nike": ["NIKE"], "Adidas": ["ADIDAS", "ADI"],
                "Stone Island": ["STONEY", "STONE ISLAND"], "Canada Goose": ["CANADA GOOSE", "CG"],
                "Trapstar": ["TRAPSTAR"], "Moncler": ["MONCLER"], "Berghaus": ["BERGHAUS"], "": [""]}
BOTTOMS = {"joggers": (["joggers", "jogging bottoms", "trackies", "tracksuit bottoms"], ["JOGGERS", "JOGS", "TRACKIES", "TRK BTMS"]),
           "jeans": (["jeans", "denims"], ["JEANS"]),
           "leggings": (["leggings"], ["LEGGINGS"]),
           "shorts": (["shorts"], ["SHORTS"]),
           "cargo trousers": (["cargo trousers", "combat trousers", "cargos"], ["CARGOS", "COMBATS"])}
HATS = {"cap": (["baseball cap", "cap"], ["CAP", "B/CAP"]), "beanie": (["beanie", "woolly hat"], ["BEANIE", "WOOLLY HAT"]),
        "balaclava": (["balaclava", "face covered"], ["BALACLAVA", "FACE COVERED"]),
        "hood up": (["hood up"], ["HOOD UP"]), "bucket hat": (["bucket hat"], ["BUCKET HAT"]),
        "": ([""], [""])}
EXTRAS = {"bag": (["carrying a bag for life", "with a large holdall", "carrying a rucksack"], ["CARRYING BAG", "W/ HOLDALL", "RUCKSACK"]),
          "bike": (["on a pushbike", "on a bike"], ["ON PUSHBIKE", "ON BIKE", "O/B"]),
          "dog": (["with a dog", "with a staffy on a lead"], ["W/ DOG", "WITH DOG"]),
          "neck tattoo": (["tattoo on neck", "neck tattoo"], ["TATT ON NECK", "NECK TATT"]),
          "scar": (["scar on face", "facial scar"], ["SCAR ON FACE"]),
          "scooter": (["on an e-scooter", "on an electric scooter"], ["ON E-SCOOTER", "ON SCOOTER"]),
          "glasses": (["wearing glasses"], ["GLASSES"]), "": ([""], [""])}
IC = {1: "white", 2: "dark European", 3: "black", 4: "Asian", 5: "Chinese", 6: "Arab"}
IC_W = [(1, 62), (2, 4), (3, 12), (4, 15), (5, 2), (6, 5)]
BUILDS = ["slim", "thin", "medium", "stocky", "large", "skinny", "athletic"]
HAIR = ["short dark hair", "shaved head", "ginger hair", "blonde hair", "curly hair", "long dark hair", "bald", "dark hair in a ponytail"]


def wchoice(rng, pairs):
    tot = sum(w for _, w in pairs)
    x = rng.random() * tot
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


# --------------------------------------------------------------------------
# World building
# --------------------------------------------------------------------------
class Shop:
    __slots__ = ("sid", "town", "region", "chain", "name", "street", "number", "postcode",
                 "store_no", "kind", "indep_name", "weight")


def make_postcode(rng, district):
    return f"{district} {rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"


def build_world(rng, n_shops):
    town_names = list(TOWNS)
    # bigger centres get more shops
    town_w = {t: (5 if t in ("Manchester", "Leeds", "Nottingham", "Cardiff") else 2 if t in
                  ("Oldham", "Stockport", "Bolton", "Salford", "Wigan") else 1) for t in town_names}
    # per street: a couple of postcode units
    street_units = {}
    for t, (_, dists, streets, _) in TOWNS.items():
        for s in streets:
            d = rng.choice(dists)
            street_units[(t, s)] = [make_postcode(rng, d) for _ in range(rng.randint(1, 3))]
    shops = []
    used = set()
    chain_pairs = [(c, v[0]) for c, v in CHAINS.items()]
    store_nos = set()
    attempts = 0
    while len(shops) < n_shops and attempts < n_shops * 20:
        attempts += 1
        town = wchoice(rng, [(t, town_w[t]) for t in town_names])
        region, dists, streets, _ = TOWNS[town]
        street = rng.choice(streets)
        sh = Shop()
        if rng.random() < 0.68:
            chain = wchoice(rng, chain_pairs)
            if (town, street, chain) in used:
                continue
            used.add((town, street, chain))
            sh.chain = chain
            sh.kind = CHAINS[chain][5]
            while True:
                no = rng.randint(100, 9999)
                if (chain, no) not in store_nos:
                    store_nos.add((chain, no))
                    break
            sh.store_no = no
            sh.indep_name = None
        else:
            sh.chain = None
            sh.kind = "conv" if rng.random() < 0.7 else "day"
            sh.store_no = None
            area = town.split(" (")[0]
            pat = rng.choice(INDEP_PATTERNS)
            st_short = street.split(" ")[0] if rng.random() < 0.5 else street
            name = pat.format(sur=rng.choice(SURNAMES), area=area, street=st_short)
            if (town, name) in used:
                continue
            used.add((town, name))
            sh.indep_name = name
        sh.sid = len(shops)
        sh.town, sh.region, sh.street = town, region, street
        sh.number = rng.randint(1, 240)
        sh.postcode = rng.choice(street_units[(town, street)])
        # hot spots: a heavy-tailed attractiveness
        sh.weight = min(15.0, rng.paretovariate(1.6)) * (2.0 if sh.kind in ("conv", "super") else 1.0)
        shops.append(sh)
    return shops


class Offender:
    __slots__ = ("oid", "sex", "ic", "age", "height", "build", "hair", "outfits", "extra", "home", "prolific", "group")


def make_outfit(rng, sex):
    top = rng.choice(list(TOPS))
    tc = wchoice(rng, [("black", 40), ("navy", 12), ("grey", 14), ("white", 5), ("red", 5), ("green", 8),
                       ("beige", 4), ("blue", 5), ("camo", 3), ("pink", 2 if sex == "M" else 8), ("yellow", 2)])
    brand = wchoice(rng, [("", 45), ("North Face", 15), ("Nike", 12), ("Adidas", 8), ("Stone Island", 5),
                          ("Canada Goose", 3), ("Trapstar", 3), ("Moncler", 3), ("Berghaus", 3)])
    bottom = wchoice(rng, [("joggers", 45), ("jeans", 30), ("leggings", 12 if sex == "F" else 0), ("shorts", 4),
                           ("cargo trousers", 8)])
    bc = wchoice(rng, [("grey", 35), ("black", 40), ("navy", 10), ("blue", 10), ("beige", 5)])
    hat = wchoice(rng, [("", 45), ("cap", 18), ("beanie", 12), ("hood up", 15), ("balaclava", 3), ("bucket hat", 4)])
    hc = rng.choice(["black", "black", "grey", "navy", "white", "beige"])
    shoes = rng.choice(["white trainers", "black trainers", "Air Max", "sliders", "boots", "grey trainers"])
    return {"top": top, "tc": tc, "brand": brand, "bottom": bottom, "bc": bc, "hat": hat, "hc": hc, "shoes": shoes}


def make_offender(rng, oid, shops_by_town):
    o = Offender()
    o.oid = oid
    o.sex = "M" if rng.random() < 0.74 else "F"
    o.ic = wchoice(rng, IC_W)
    o.age = int(min(70, max(13, rng.gauss(31, 11))))
    o.height = round(rng.gauss(175 if o.sex == "M" else 163, 7))
    o.build = rng.choice(BUILDS)
    o.hair = rng.choice(HAIR)
    o.outfits = [make_outfit(rng, o.sex) for _ in range(rng.randint(1, 4))]
    o.extra = wchoice(rng, [("", 60), ("bag", 14), ("bike", 6), ("dog", 3), ("neck tattoo", 6), ("scar", 3),
                            ("scooter", 4), ("glasses", 4)])
    o.home = rng.choice(list(shops_by_town))
    o.prolific = False
    o.group = 1
    return o


# --------------------------------------------------------------------------
# Noise helpers
# --------------------------------------------------------------------------
def typo(rng, s):
    """One keyboard-ish slip in a word-ish string."""
    if len(s) < 4:
        return s
    idxs = [i for i, c in enumerate(s) if c.isalpha()]
    if len(idxs) < 3:
        return s
    i = rng.choice(idxs[1:-1])
    r = rng.random()
    if r < 0.35 and i + 1 < len(s) and s[i + 1].isalpha():  # transpose
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    if r < 0.65:  # drop
        return s[:i] + s[i + 1:]
    if r < 0.85:  # double
        return s[:i] + s[i] + s[i:]
    near = {"a": "s", "s": "a", "e": "r", "r": "e", "o": "p", "i": "o", "n": "m", "m": "n", "t": "y", "c": "x",
            "l": "k", "u": "y", "d": "f", "g": "h", "b": "v", "h": "j", "k": "l", "p": "o"}
    c = s[i]
    rep = near.get(c.lower(), c)
    rep = rep.upper() if c.isupper() else rep
    return s[:i] + rep + s[i + 1:]


def abbreviate_street(rng, street, prob=0.6):
    out = street
    for full, ab in STREET_ABBR:
        if full in out and rng.random() < prob:
            out = out.replace(full, ab)
    return out


def postcode_noise(rng, pc, p_typo):
    if not pc:
        return pc
    r = rng.random()
    if r < p_typo:
        k = rng.random()
        out, inn = pc.split(" ")
        if k < 0.22:
            return out + inn  # dropped space
        if k < 0.40:  # swapped letters in inward
            return f"{out} {inn[0]}{inn[2]}{inn[1]}"
        if k < 0.55:  # O/0 I/1 slip
            s = pc
            if "0" in s:
                return s.replace("0", "O", 1)
            if "1" in s:
                return s.replace("1", "I", 1)
            return s.replace("O", "0", 1)
        if k < 0.70:  # wrong inward digit
            return f"{out} {rng.choice([d for d in '123456789' if d != inn[0]])}{inn[1:]}"
        if k < 0.82:  # wrong letter
            return f"{out} {inn[:2]}{rng.choice(INWARD_LETTERS)}"
        if k < 0.92:  # neighbouring district (another unit on the street, wrongly remembered)
            return f"{out} {inn[0]}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        return pc.lower()
    r = rng.random()
    if r < 0.06:
        return pc.lower()
    if r < 0.12:
        return pc.replace(" ", "")
    return pc


def value_fmt(v):
    if v is None:
        return ""
    if abs(v - round(v)) < 1e-9:
        return str(int(round(v)))
    return f"{v:.2f}"


# --------------------------------------------------------------------------
# Descriptions
# --------------------------------------------------------------------------
def age_phrase(rng, age, style):
    est = age + rng.gauss(0, 4)
    if rng.random() < 0.08:  # witness disagreement: a decade off
        est += rng.choice([-10, 10])
    est = max(12, min(75, est))
    dec = int(est // 10) * 10
    if style == "radio":
        if est < 18 and rng.random() < 0.6:
            return rng.choice(["TEEN", "YOUTH", f"{int(est)}YRS"])
        return rng.choice([f"{dec}S", f"{dec}S", f"{int(est)}ISH", f"{int(est) - 3}-{int(est) + 3}"])
    if style == "retail":
        return rng.choice([f"{dec}s", f"age {int(est)}", f"{dec}-{dec + 10}", ""])
    r = rng.random()
    if est < 18:
        return rng.choice(["teenage", "late teens", f"approx {int(est)} years old", "aged around 15-17"])
    if r < 0.3:
        return f"in his {dec}s" if rng.random() < 0.5 else f"{dec}s"
    if r < 0.6:
        a = int(est)
        return f"aged {a - 3}-{a + 3}"
    if r < 0.85:
        return f"approx {int(est)} years old"
    lo = "early" if est % 10 < 4 else "mid" if est % 10 < 7 else "late"
    return f"{lo} {dec}s"


def desc_prose(rng, o, outfit, group):
    if group > 1:
        n = group
        return rng.choice([
            f"Group of {n} youths aged approx {max(12, o.age - 2)}-{o.age + 2}, hoods up, one in a {COLOURS[outfit['tc']][0][0]} {outfit['top']}",
            f"{n} x teenagers, mixed male and female, {rng.choice(COLOURS[outfit['tc']][0])} clothing, one on a bike",
            f"{n} youths ({'male' if o.sex == 'M' else 'female'}s), around {o.age}, wearing dark tracksuits, faces partly covered",
        ])
    sex = "male" if o.sex == "M" else "female"
    if rng.random() < 0.02:  # witness gets the sex wrong
        sex = "female" if o.sex == "M" else "male"
    eth = IC[o.ic]
    parts = []
    head = []
    if rng.random() < 0.85:
        head.append(eth)
    head.append(sex)
    ap = age_phrase(rng, o.age, "prose")
    p0 = " ".join(head)
    p0 = p0[0].upper() + p0[1:]
    if "his" in ap and o.sex == "F":
        ap = ap.replace("his", "her")
    parts.append(f"{p0}, {ap}" if ap else p0)
    if rng.random() < 0.5:
        h = o.height + rng.randint(-5, 5)
        inches = round(h / 2.54)
        parts.append(rng.choice([f"approx {h}cm", f"about {inches // 12}ft{inches % 12}",
                                 f"{'tall' if h > 180 else 'short' if h < 165 else 'average height'}"]))
    if rng.random() < 0.6:
        parts.append(f"{o.build} build")
    if rng.random() < 0.35:
        parts.append(o.hair)
    col = rng.choice(COLOURS[outfit["tc"]][0])
    brand = rng.choice(BRANDS[outfit["brand"]]) if rng.random() < 0.8 else ""
    top = rng.choice(TOPS[outfit["top"]])
    wear = f"wearing {col} {brand + ' ' if brand else ''}{top}"
    if rng.random() < 0.8:
        bb = rng.choice(BOTTOMS[outfit["bottom"]][0])
        wear += f" and {rng.choice(COLOURS[outfit['bc']][0])} {bb}"
    if rng.random() < 0.4:
        wear += f", {outfit['shoes']}"
    parts.append(wear)
    if outfit["hat"] and rng.random() < 0.7:
        hat = rng.choice(HATS[outfit["hat"]][0])
        parts.append(hat if outfit["hat"] in ("hood up", "balaclava") else f"{outfit['hc']} {hat}")
    if o.extra and rng.random() < 0.7:
        parts.append(rng.choice(EXTRAS[o.extra][0]))
    # drop random middle parts sometimes
    if len(parts) > 3 and rng.random() < 0.3:
        parts.pop(rng.randrange(1, len(parts) - 1))
    return ", ".join(parts)


def desc_radio(rng, o, outfit, group, landmark):
    bits = []
    if group > 1:
        bits.append(f"{group}X YOUTHS" if rng.random() < 0.6 else f"GRP OF {group} YOUTHS")
        if rng.random() < 0.6:
            bits.append(rng.choice(COLOURS[outfit["tc"]][1]) + " CLOTHING")
        bits.append(rng.choice(["HOODS UP", "ON BIKES", "", "FACES COVERED"]))
    else:
        sx = o.sex
        if rng.random() < 0.02:
            sx = "F" if sx == "M" else "M"
        bits.append(rng.choice([sx, sx, "MALE" if sx == "M" else "FEMALE"]))
        if rng.random() < 0.8:
            bits.append(f"IC{o.ic}")
        if rng.random() < 0.85:
            bits.append(age_phrase(rng, o.age, "radio"))
        if rng.random() < 0.25:
            bits.append(rng.choice(["SLIM", "STOCKY", "LRG BUILD", "SKINNY", "MED BUILD"]))
        col = rng.choice(COLOURS[outfit["tc"]][1])
        br = rng.choice(BRANDS_RADIO[outfit["brand"]]) if rng.random() < 0.7 else ""
        bits.append(f"{col} {br + ' ' if br else ''}{rng.choice(TOPS_RADIO[outfit['top']])}")
        if rng.random() < 0.75:
            bits.append(f"{rng.choice(COLOURS[outfit['bc']][1])} {rng.choice(BOTTOMS[outfit['bottom']][1])}")
        if outfit["hat"] and rng.random() < 0.6:
            h = rng.choice(HATS[outfit["hat"]][1])
            bits.append(h if outfit["hat"] in ("hood up", "balaclava") else f"{rng.choice(COLOURS[outfit['hc']][1])} {h}")
        if o.extra and rng.random() < 0.6:
            bits.append(rng.choice(EXTRAS[o.extra][1]))
    if rng.random() < 0.7:
        bits.append(rng.choice(["DECAMPED TWRDS", "MADE OFF TWDS", "LS TWDS", "HEADING TWDS", "DECAMPED TO"]) + " " + landmark)
    return " ".join(b for b in bits if b)


def desc_retail(rng, o, outfit, group):
    if group > 1:
        return rng.choice([f"{group} youths", "group of kids", f"{group} teenagers", "youths"])
    r = rng.random()
    sex = rng.choice(["Male", "male", "M"]) if o.sex == "M" else rng.choice(["Female", "female", "F"])
    if r < 0.4:
        return f"{sex} {age_phrase(rng, o.age, 'retail')}".strip()
    col = rng.choice(COLOURS[outfit["tc"]][0])
    return f"{sex}, {age_phrase(rng, o.age, 'retail')}, {col} {rng.choice(TOPS[outfit['top']])}".replace(", ,", ",")


# --------------------------------------------------------------------------
# Narratives
# --------------------------------------------------------------------------
def narrative_bcrp(rng, inc, shop):
    c = inc["cat"]
    o = inc["offender"]
    who = "Offenders" if o.group > 1 else ("Male" if o.sex == "M" else "Female")
    pron = "they" if o.group > 1 else ("he" if o.sex == "M" else "she")
    goods = inc["goods"]
    qty = inc["qty"]
    t = inc["time"].strftime("%H:%M")
    vs = f"£{inc['value']:.2f}" if inc["value"] else ""
    if c == "THEFT":
        opts = [f"{who} entered store, selected {qty} x {goods} and left without paying. {'Value ' + vs + '.' if vs else ''}",
                f"{who} concealed {goods} in a bag and walked out past the tills. Staff did not challenge.",
                f"Known offender. Came in at approx {t}, filled a basket with {goods} and walked out. CCTV available.",
                f"{who} seen on CCTV taking {qty} {goods} from the shelf and leaving store without attempting to pay."]
        if inc["escalated"]:
            opts = [f"{who} stole {goods}, when challenged by staff {pron} became aggressive and {'pushed a colleague' if inc['injured'] else 'made threats'}."]
    elif c == "ABUSE":
        opts = [f"{who} refused service for no ID became verbally abusive to staff, shouting and swearing.",
                f"{who} threatened to stab staff member after being asked to leave. Left before police arrived.",
                f"Customer racially abused a colleague at the till and threatened to come back later."]
    elif c == "ASSAULT":
        opts = [f"{who} punched member of staff after being challenged over theft.",
                f"{who} spat at colleague and pushed her into display when refused sale.",
                f"Staff member assaulted by {who.lower()} who was trying to take {goods}. {'Minor injury to face.' if inc['injured'] else 'No injuries.'}"]
    elif c == "ROBBERY":
        opts = [f"{who} approached till, demanded cash and snatched approx {vs or 'an unknown sum'} from the drawer.",
                f"{who} produced what appeared to be a knife and demanded money from the till. Staff complied.",
                f"Till snatch. {who} leaned over the counter, grabbed cash and ran off."]
    elif c == "DAMAGE":
        opts = [f"Front door glass smashed overnight / early hours. {'Repair quote ' + vs if vs else ''}",
                f"{who} kicked the entrance door causing it to crack after being refused entry.",
                f"Graffiti sprayed on shutters. Seen on CCTV.", f"{who} threw a bottle at the window, cracking it."]
    elif c == "FRAUD":
        opts = [f"{who} attempted refund for items not purchased, receipt appears fake. Loss {vs}.",
                f"Counterfeit £20 notes passed at till by {who.lower()}.",
                f"{who} used a card later reported stolen to buy {goods}."]
    else:
        opts = [f"Group of youths entering store repeatedly, throwing items and intimidating staff.",
                f"Youths congregating at entrance, abusive to customers, kicking the door.",
                f"{who} causing a nuisance in the store, shouting at customers, refused to leave."]
    s = rng.choice(opts)
    if rng.random() < 0.3:
        s += " " + rng.choice(["Police informed.", "CAD ref given.", "Reported via radio at the time.",
                              "Offender known to store.", "CCTV saved.", "Staff shaken up.", "Banned from store previously."])
    return " ".join(s.split())


def narrative_retail(rng, inc):
    c = inc["cat"]
    if c == "THEFT":
        return rng.choice([f"{inc['qty']} x {inc['goods']}", "walkout, not recovered", f"stock taken: {inc['goods']}",
                           "partial recovery", "CCTV retained"])
    return rng.choice(["see police ref", "colleague shaken", "CCTV retained", "reported to police", "manager informed"])


# --------------------------------------------------------------------------
# Rendering per channel
# --------------------------------------------------------------------------
def chain_bcrp_name(rng, shop):
    if shop.chain is None:
        n = shop.indep_name
        if rng.random() < 0.25:
            n = n.replace("'s", "s") if "'s" in n else n.replace("&", "and")
        if rng.random() < 0.3:
            n = f"{n}, {abbreviate_street(rng, shop.street, 0.3)}"
        return n
    base = rng.choice(CHAINS[shop.chain][1])
    r = rng.random()
    st = abbreviate_street(rng, shop.street, 0.25)
    if r < 0.45:
        return f"{base} {st}"
    if r < 0.6:
        return f"{base} - {shop.town.split(' (')[0]}"
    if r < 0.72:
        return f"{base}, {shop.number} {st}"
    if r < 0.8:
        return f"{base} ({shop.town.split(' (')[0]} {st})"
    return base


def retailer_name(rng, shop):
    pre = CHAINS[shop.chain][2]
    st = abbreviate_street(rng, shop.street, 0.9).upper()
    r = rng.random()
    if r < 0.55:
        return f"{pre} {shop.store_no} {st}"
    if r < 0.75:
        return f"{pre} {shop.store_no:04d} {shop.town.split(' (')[0].upper()}"
    if r < 0.9:
        return f"{pre} - {st} ({shop.store_no})"
    return f"{shop.store_no} {st} {shop.town.split(' (')[0].upper()}"


def radio_name(rng, shop):
    if shop.chain is None:
        n = shop.indep_name.upper().replace("'", "")
        r = rng.random()
        if r < 0.4:
            return n
        if r < 0.7:
            kind = ("NEWSAGENTS" if "News" in shop.indep_name else "VAPE SHOP" if "Vape" in shop.indep_name
                    else "OFFIE" if "Off Licence" in shop.indep_name else "SHOP")
            return f"{kind} {abbreviate_street(rng, shop.street, 1.0).upper()}"
        return " ".join(n.split()[:2])
    base = rng.choice(CHAINS[shop.chain][3])
    r = rng.random()
    if r < 0.4:
        return base
    if r < 0.8:
        return f"{base} {abbreviate_street(rng, shop.street, 1.0).upper()}"
    return f"{base} {rng.choice(TOWNS[shop.town][3])}"


def fmt_dt(rng, t, styles):
    st = wchoice(rng, styles)
    if st == "T":
        return t.strftime("%Y-%m-%dT%H:%M:%S")
    if st == "Tm":
        return t.strftime("%Y-%m-%dT%H:%M")
    if st == "sp":
        return t.strftime("%Y-%m-%d %H:%M")
    if st == "sps":
        return t.strftime("%Y-%m-%d %H:%M:%S")
    return t.strftime("%Y-%m-%d")


def swap_dm(d):
    if d.day <= 12 and d.day != d.month:
        return d.replace(month=d.day, day=d.month)
    return d


def injured_fmt(rng, v, channel):
    if channel == "bcrp":
        if rng.random() < 0.1:
            return ""
        if v and rng.random() < 0.08:  # minor injury not recorded
            return "No"
        return rng.choice(["Yes", "yes", "Y"]) if v else rng.choice(["No", "No", "no", "N"])
    if channel == "retailer_csv":
        if rng.random() < 0.15:
            return ""
        return rng.choice(["Y", "YES"]) if v else rng.choice(["N", "N", "NO"])
    # radio
    if v and rng.random() < 0.5:
        return "Y"
    return "" if rng.random() < 0.85 else "N"


def render(rng, inc, channel, ctx, dup_of=None):
    shop = inc["shop"]
    o = inc["offender"]
    outfit = inc["outfit"]
    t = inc["time"]
    row = {"source": channel}
    cat = inc["cat"]
    if inc["alt_cat"] and rng.random() < 0.45:
        cat = inc["alt_cat"]
    if channel == "bcrp":
        r = rng.random()
        off = rng.gauss(0, 6) if r < 0.7 else rng.uniform(-30, 30)
        tt = t + dt.timedelta(minutes=off)
        if rng.random() < 0.55:
            tt = tt.replace(minute=(tt.minute // 5) * 5)
        tt = tt.replace(second=0)
        rr = rng.random()
        if rr < 0.015:
            tt = tt.replace(hour=0, minute=0)  # unknown time entered as midnight
        elif rr < 0.035:
            tt = tt + dt.timedelta(days=1)  # entry date used by mistake
        # (not written: tells the arrival model the report was keyed the next day)
        row["_late_entry"] = 0.015 <= rr < 0.035
        row["occurred_at"] = fmt_dt(rng, tt, [("T", 55), ("sp", 35), ("Tm", 10)])
        name = chain_bcrp_name(rng, shop)
        if rng.random() < 0.07:
            name = typo(rng, name)
        row["premises_name"] = name
        row["premises_postcode"] = postcode_noise(rng, shop.postcode, 0.07) if rng.random() < 0.9 else ""
        row["offence"] = rng.choice(OFF_WORDS["bcrp"][cat])
        row["offender_description"] = "" if (inc["unknown_offender"] or rng.random() < 0.05) else desc_prose(rng, o, outfit, o.group)
        v = inc["value"]
        if v is None or rng.random() < 0.15:
            row["property_value_gbp"] = ""
        else:
            r = rng.random()
            row["property_value_gbp"] = value_fmt(v) if r < 0.6 else value_fmt(float(round(v))) if r < 0.85 else value_fmt(float(round(v / 10) * 10 or 5))
        row["staff_injured"] = injured_fmt(rng, inc["injured"], "bcrp")
        row["narrative"] = narrative_bcrp(rng, inc, shop) if rng.random() < 0.95 else ""
        ctx["bcrp_seq"][shop.region] += rng.randint(1, 3)
        row["source_record_id"] = f"{shop.region}-BCRP-{ctx['bcrp_seq'][shop.region]:06d}" if rng.random() < 0.97 else ""
    elif channel == "retailer_csv":
        r = rng.random()
        date_only = r < 0.55
        off = rng.uniform(-60, 60) if rng.random() < 0.5 else rng.gauss(0, 12)
        tt = t + dt.timedelta(minutes=off)
        if date_only:
            d = t.date()
            if rng.random() < 0.04:
                d = swap_dm(d)
            row["occurred_at"] = d.isoformat()
        else:
            if rng.random() < 0.03:
                d = swap_dm(tt.date())
                tt = tt.replace(year=d.year, month=d.month, day=d.day)
            row["occurred_at"] = fmt_dt(rng, tt, [("sp", 50), ("sps", 25), ("T", 25)])
        name = retailer_name(rng, shop)
        if rng.random() < 0.04:
            name = typo(rng, name)
        row["premises_name"] = name
        row["premises_postcode"] = postcode_noise(rng, shop.postcode, 0.05) if rng.random() < 0.7 else ""
        if row["premises_postcode"] and rng.random() < 0.5:
            row["premises_postcode"] = row["premises_postcode"].upper()
        row["offence"] = rng.choice(OFF_WORDS["retailer_csv"][cat])
        row["offender_description"] = "" if (inc["unknown_offender"] or rng.random() < 0.4) else desc_retail(rng, o, outfit, o.group)
        v = inc["value"]
        if v is None:
            row["property_value_gbp"] = "" if rng.random() < 0.7 else "0"
        elif rng.random() < 0.08:
            row["property_value_gbp"] = ""
        else:
            vv = v
            if rng.random() < 0.12:  # retail value vs cost price / partial recovery
                vv = round(v * rng.uniform(0.4, 0.9), 2)
            row["property_value_gbp"] = (f"£{vv:.2f}" if rng.random() < 0.05 else f"{vv:.2f}")
        row["staff_injured"] = injured_fmt(rng, inc["injured"], "retailer_csv")
        row["narrative"] = narrative_retail(rng, inc) if rng.random() < 0.3 else ""
        ctx["ret_seq"] += 1
        row["source_record_id"] = f"{CHAINS[shop.chain][4]}-{shop.store_no}-{ctx['ret_seq']:07d}"
    else:  # radio
        off = rng.uniform(-3, 10) if rng.random() < 0.85 else rng.uniform(-10, 10)
        if dup_of is not None:
            off = rng.uniform(3, 25)  # an update later on
        tt = t + dt.timedelta(minutes=off)
        row["_tt"] = tt  # (not written: when the alert went out, for the arrival model)
        row["occurred_at"] = fmt_dt(rng, tt, [("Tm", 40), ("T", 40), ("sp", 20)])
        name = radio_name(rng, shop)
        if rng.random() < 0.06:
            name = typo(rng, name)
        row["premises_name"] = name
        row["premises_postcode"] = postcode_noise(rng, shop.postcode, 0.1).upper().replace(" ", "" if rng.random() < 0.5 else " ") if rng.random() < 0.08 else ""
        offw = rng.choice(OFF_WORDS["radio"][cat])
        row["offence"] = offw
        lm = rng.choice(TOWNS[shop.town][3])
        row["offender_description"] = "" if (inc["unknown_offender"] and rng.random() < 0.8) else desc_radio(rng, o, outfit, o.group, lm)
        v = inc["value"]
        if v is not None and rng.random() < 0.2:
            row["property_value_gbp"] = str(int(round(v, -1) or 10))
        else:
            row["property_value_gbp"] = ""
        row["staff_injured"] = injured_fmt(rng, inc["injured"], "radio")
        nr = ""
        if dup_of is not None:
            nr = rng.choice(["UPDATE: MALE SEEN AGAIN", "UPDATE - POLICE ON SCENE", "UPD: NOW OUTSIDE", "RE ABOVE - LEFT AREA"])
        elif inc.get("spree_prev") and rng.random() < 0.5:
            prev = inc["spree_prev"]
            nr = ("POSS SAME AS EARLIER " + rng.choice(CHAINS[prev.chain][3])) if prev.chain else "POSS SAME OFFENDER AS EARLIER"
        elif rng.random() < 0.2:
            nr = rng.choice(["POLICE CALLED", "CCTV ON", "ALL STORES BE AWARE", "KNOWN TO STORES", "PLS WATCH"])
        row["narrative"] = nr
        if rng.random() < 0.9:
            ctx["radio_seq"] += 1
            row["source_record_id"] = f"SN{t.strftime('%y%m%d')}-{ctx['radio_seq'] % 10000:04d}"
        else:
            row["source_record_id"] = ""
    return row


# --------------------------------------------------------------------------
# Incident simulation
# --------------------------------------------------------------------------
START = dt.datetime(2025, 2, 17)
SPAN_DAYS = 60


def draw_time(rng, shop, day=None):
    if day is None:
        day = rng.randrange(SPAN_DAYS)
    kind = shop.kind
    if kind == "conv":
        lo, hi = 7, 22.5
    elif kind == "super":
        lo, hi = 8, 22
    else:
        lo, hi = 9, 18.5
    # afternoon-heavy, triangular
    h = rng.triangular(lo, hi, min(hi, 16.5))
    return START + dt.timedelta(days=day, hours=h)


def new_incident(rng, shop, offender, t, ctx, cat=None):
    if cat is None:
        cat = wchoice(rng, OFFENCE_TYPES)
    inc = {"shop": shop, "offender": offender, "time": t, "cat": cat, "hard": "", "spree_prev": None}
    # outfit: same on the same day for a given offender
    key = (offender.oid, t.date())
    if key not in ctx["outfit_day"]:
        ctx["outfit_day"][key] = rng.choice(offender.outfits)
    inc["outfit"] = ctx["outfit_day"][key]
    inc["escalated"] = cat == "THEFT" and rng.random() < 0.15
    inc["alt_cat"] = None
    if inc["escalated"]:
        inc["alt_cat"] = rng.choice(["ABUSE", "ABUSE", "ASSAULT", "ROBBERY"])
    elif rng.random() < 0.08:
        inc["alt_cat"] = rng.choice(ESCALATION[cat])
    inc["unknown_offender"] = cat == "DAMAGE" and rng.random() < 0.5 or cat == "FRAUD" and rng.random() < 0.2
    inc["injured"] = (cat == "ASSAULT" and rng.random() < 0.6) or (cat == "ROBBERY" and rng.random() < 0.2) or \
                     (inc["escalated"] and inc["alt_cat"] == "ASSAULT" and rng.random() < 0.5)
    goods = rng.choice(GOODS[shop.kind])
    inc["goods"] = goods
    inc["qty"] = rng.randint(2, 15)
    if cat == "THEFT":
        inc["value"] = round(math.exp(rng.gauss(math.log(55), 0.8)), 2)
        if rng.random() < 0.4:  # priced items
            inc["value"] = round(math.floor(inc["value"]) + rng.choice([0.99, 0.49, 0.5, 0.75, 0.0]), 2)
    elif cat == "ROBBERY":
        inc["value"] = float(rng.randrange(50, 900, 5))
    elif cat == "DAMAGE":
        inc["value"] = float(rng.randrange(80, 2500, 10)) if rng.random() < 0.5 else None
    elif cat == "FRAUD":
        inc["value"] = round(rng.uniform(20, 350), 2)
    else:
        inc["value"] = None
    return inc


def pick_shop(rng, ctx, town=None):
    if town is None:
        return wchoice(rng, ctx["shop_w"])
    return wchoice(rng, ctx["town_shop_w"][town])


def pick_offender(rng, ctx, shop, cat=None):
    if cat == "ASB" and rng.random() < 0.7:
        pool = ctx["groups_by_town"].get(shop.town)
        if pool:
            return rng.choice(pool)
    r = rng.random()
    if r < 0.3:
        pool = ctx["prolific_by_town"].get(shop.town)
        if pool:
            return rng.choice(pool)
    if r < 0.75:
        pool = ctx["off_by_town"].get(shop.town)
        if pool:
            return rng.choice(pool)
    return rng.choice(ctx["offenders"])


def simulate(rng, n_incidents):
    n_shops = int(300 + n_incidents * 0.12)
    shops = build_world(rng, n_shops)
    by_town = {}
    for s in shops:
        by_town.setdefault(s.town, []).append(s)
    offenders = []
    n_off = max(50, int(n_incidents * 0.45))
    for i in range(n_off):
        offenders.append(make_offender(rng, i, by_town))
    for o in offenders:
        if rng.random() < 0.06:
            o.prolific = True
        if o.age < 19 and rng.random() < 0.5:
            o.group = rng.randint(2, 6)
    ctx = {
        "shop_w": [(s, s.weight) for s in shops],
        "town_shop_w": {t: [(s, s.weight) for s in l] for t, l in by_town.items()},
        "offenders": offenders,
        "off_by_town": {}, "prolific_by_town": {}, "groups_by_town": {},
        "outfit_day": {}, "bcrp_seq": {"GMP": 1200, "WYP": 5400, "NTP": 300, "SWP": 8800},
        "ret_seq": 100000, "radio_seq": 0,
    }
    for o in offenders:
        ctx["off_by_town"].setdefault(o.home, []).append(o)
        if o.prolific:
            ctx["prolific_by_town"].setdefault(o.home, []).append(o)
        if o.group > 1:
            ctx["groups_by_town"].setdefault(o.home, []).append(o)
    streets = {}
    for s in shops:
        streets.setdefault((s.town, s.street), []).append(s)
    multi_streets = [v for v in streets.values() if len(v) >= 2]
    chain_town = {}
    for s in shops:
        if s.chain:
            chain_town.setdefault((s.town, s.chain), []).append(s)
    multi_branch = [v for v in chain_town.values() if len(v) >= 2]

    incidents = []
    hard_share = 0.04  # per hard-case kind, in incidents
    while len(incidents) < n_incidents:
        r = rng.random()
        if r < hard_share / 2:
            # H1: same shop, same day, different offenders, hours apart
            shop = pick_shop(rng, ctx)
            t1 = draw_time(rng, shop)
            gap = rng.uniform(1.5, 6) * rng.choice([-1, 1])
            t2 = t1 + dt.timedelta(hours=gap)
            if t2.date() != t1.date():
                t2 = t1 - dt.timedelta(hours=gap)
            o1 = pick_offender(rng, ctx, shop)
            o2 = pick_offender(rng, ctx, shop)
            if o1 is o2:
                continue
            cat2 = "THEFT" if rng.random() < 0.6 else None
            a = new_incident(rng, shop, o1, t1, ctx, "THEFT")
            b = new_incident(rng, shop, o2, t2, ctx, cat2)
            a["hard"] = b["hard"] = "same_shop_same_day"
            incidents += [a, b]
        elif r < hard_share:
            # H2: neighbouring shops in one street minutes apart, same offender
            grp = rng.choice(multi_streets)
            k = min(len(grp), rng.choice([2, 2, 2, 3]))
            chosen = rng.sample(grp, k)
            o = pick_offender(rng, ctx, chosen[0])
            if o.group > 1:
                continue
            t = draw_time(rng, chosen[0])
            prev = None
            for s in chosen:
                inc = new_incident(rng, s, o, t, ctx, "THEFT" if rng.random() < 0.85 else None)
                inc["hard"] = "street_spree"
                inc["spree_prev"] = prev
                incidents.append(inc)
                prev = s
                t = t + dt.timedelta(minutes=rng.uniform(4, 25))
        elif r < hard_share * 1.5:
            # H3: same prolific offender, same store, different days
            shop = pick_shop(rng, ctx)
            o = pick_offender(rng, ctx, shop)
            if o.group > 1:
                continue
            days = sorted(rng.sample(range(SPAN_DAYS), rng.choice([2, 2, 3, 4])))
            # sometimes consecutive days / a week apart with the same clothes
            same_outfit = rng.random() < 0.5
            for d in days:
                t = draw_time(rng, shop, d)
                if same_outfit:
                    ctx["outfit_day"][(o.oid, t.date())] = o.outfits[0]
                inc = new_incident(rng, shop, o, t, ctx, "THEFT")
                inc["hard"] = "same_offender_same_store"
                incidents.append(inc)
        elif r < hard_share * 2.0:
            # H4: several branches of one chain in one town on the same day
            grp = rng.choice(multi_branch)
            k = min(len(grp), rng.choice([2, 2, 3]))
            chosen = rng.sample(grp, k)
            day = rng.randrange(SPAN_DAYS)
            same_off = rng.random() < 0.3
            o = pick_offender(rng, ctx, chosen[0])
            base_t = draw_time(rng, chosen[0], day)
            for i, s in enumerate(chosen):
                oo = o if same_off else pick_offender(rng, ctx, s)
                if same_off:
                    t = base_t + dt.timedelta(minutes=rng.uniform(15, 90) * i)
                else:
                    t = draw_time(rng, s, day)
                inc = new_incident(rng, s, oo, t, ctx, "THEFT" if rng.random() < 0.7 else None)
                inc["hard"] = "chain_branches_same_day"
                incidents.append(inc)
        else:
            shop = pick_shop(rng, ctx)
            cat = wchoice(rng, OFFENCE_TYPES)
            o = pick_offender(rng, ctx, shop, cat)
            if o.group > 1 and cat not in ("ASB", "THEFT", "DAMAGE"):
                cat = "ASB"
            t = draw_time(rng, shop)
            incidents.append(new_incident(rng, shop, o, t, ctx, cat))
    return incidents[:n_incidents], shops


def choose_channels(rng, inc):
    shop = inc["shop"]
    n = wchoice(rng, [(1, 50), (2, 35), (3, 15)])
    avail = [("bcrp", 45), ("retailer_csv", 35), ("radio", 20)] if shop.chain else [("bcrp", 70), ("radio", 30)]
    if inc["cat"] == "ASB" or inc["cat"] == "DAMAGE":
        avail = [(c, w * (0.5 if c == "retailer_csv" else 1)) for c, w in avail]
    chans = []
    for _ in range(min(n, len(avail))):
        c = wchoice(rng, [(c, w) for c, w in avail if c not in chans])
        chans.append(c)
    # occasional duplicates within a channel
    extra = []
    if "radio" in chans and rng.random() < 0.06:
        extra.append(("radio", True))
    if "bcrp" in chans and rng.random() < 0.015:
        extra.append(("bcrp", False))
    return [(c, False) for c in chans] + extra


# --------------------------------------------------------------------------
# Schemes, member registers, what channels say about the premises, arrival
# --------------------------------------------------------------------------
# Everything in this section draws from a second generator (seeded from --seed in
# main), never from the one above: the first 11 columns of reports.csv, truth.csv,
# the row order and incidents.csv's first 11 columns stay what they were for a seed.
# One scheme per town (`manchester-bcrp`); it is both the town's BCRP and its radio
# scheme, and its register lists the town's shops, with the faults below.

# The postal town a BCRP platform may hold for a member instead of the locality.
POSTAL_TOWN = {
    "Manchester": "Manchester", "Oldham": "Oldham", "Stockport": "Stockport", "Bolton": "Bolton",
    "Salford": "Salford", "Didsbury": "Manchester", "Rusholme": "Manchester", "Wigan": "Wigan",
    "Leeds": "Leeds", "Headingley": "Leeds", "Beeston (Leeds)": "Leeds", "Armley": "Leeds",
    "Harehills": "Leeds", "Pudsey": "Pudsey", "Nottingham": "Nottingham", "West Bridgford": "Nottingham",
    "Beeston (Notts)": "Nottingham", "Bulwell": "Nottingham", "Arnold": "Nottingham",
    "Cardiff": "Cardiff", "Canton": "Cardiff", "Roath": "Cardiff", "Whitchurch": "Cardiff",
    "Ely (Cardiff)": "Cardiff",
}
# Rates: per shop, per member, per same-chain pair or per radio as stated. README.md
# documents each; registers/FAULTS.csv records every occurrence.
P_PLATFORM_POSTAL_TOWN = 0.3   # per shop (where the postal town differs from the locality)
P_NOT_MEMBER = 0.08            # per shop: missing from its town's register
P_NONMEMBER_BORROWS = 0.5      # per non-member: sends on a neighbouring member's radio
P_RENAMED = 0.03               # per member: register and reports use different names
P_RENAMED_KEEPS_OLD = 0.5      # per renamed member (register newer): the old name kept as an alias
P_STALE_ALIAS = 0.10           # per member: an alias no longer its own
P_SHARED_ALIAS = 0.30          # per pair of same-chain members in one town: one alias both list
P_POSTCODE_MISSING = 0.05      # per member
P_POSTCODE_TYPO = 0.02         # per member
P_STALE_RADIO = 0.03           # per radio a member holds: listed for another member
P_NO_BCRP_ID = 0.10            # per member
P_LEFT = 0.015                 # per member: status=left (left after the period; still reports)
P_CLOSED = 0.03                # per member: one closed premises still on the register
P_STORE_NUMBER_KNOWN = 0.5     # per chain member: the register knows its store number
# Per report.
P_BCRP_MEMBER_REF = 0.88
P_RETAILER_STORE_NO = 0.95
P_RADIO_SENDER = 0.65
P_BCRP_NEXT_DAY = 0.10         # all told, including the entry-date slips render() makes (~2%)

RENAME_FASCIAS = {
    "conv": ["Nisa Local", "Costcutter", "Londis", "Premier", "Budgens", "McColl's", "Spar", "One Stop", "Co-op"],
    "day": ["Wilko", "Poundworld", "Lloyds Pharmacy", "Peacocks", "Clintons", "Savers", "Poundland"],
    "super": ["Netto", "Kwik Save", "Farmfoods", "Heron Foods", "Iceland"],
}
MEMBER_ID_STYLES = ["{p}-{n:04d}", "{p}{n:03d}", "{n}", "M{n:05d}", "{p}/{n}"]
REGISTER_COLS = ["member_id", "trading_name", "branch", "aliases", "address", "postcode", "town", "scheme",
                 "radio_ids", "bcrp_ids", "store_numbers", "status"]
NEW_REPORT_COLS = ["member_ref", "radio_id", "scheme", "town", "arrived_at"]


def locality(town):
    return town.split(" (")[0]


def slug(text):
    out, dash = [], False
    for c in text.lower():
        if c.isalnum():
            out.append(c)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def scheme_of(town):
    return slug(town) + "-bcrp"


def on_air(text):
    return text.upper().replace("'", "")


class Premises:
    """What the channels and the register know of one shop (ground truth)."""
    __slots__ = ("shop", "scheme", "bcrp_id", "platform_town", "radios", "send_radios", "onair", "member",
                 "borrowed_from")


class Member:
    __slots__ = ("member_id", "premises", "scheme", "trading_name", "branch", "aliases", "address", "postcode",
                 "town", "radio_ids", "bcrp_ids", "store_numbers", "status", "chain")


def indep_other_name(r, shop):
    """Another independent's name in the same place: a previous or later owner's."""
    area = locality(shop.town)
    for _ in range(20):
        st_short = shop.street.split(" ")[0] if r.random() < 0.5 else shop.street
        n = r.choice(INDEP_PATTERNS).format(sur=r.choice(SURNAMES), area=area, street=st_short)
        if n != shop.indep_name:
            return n
    return shop.indep_name + " II"


def indep_kind(name):
    return ("NEWSAGENTS" if "News" in name else "VAPE SHOP" if "Vape" in name
            else "OFFIE" if "Off Licence" in name else "SHOP")


def onair_names(r, shop, single_branch):
    """The names staff use on air for a shop: the radio naming render() draws from."""
    st = abbreviate_street(r, shop.street, 1.0).upper()
    if shop.chain is None:
        n = on_air(shop.indep_name)
        forms = [n, f"{indep_kind(shop.indep_name)} {st}", " ".join(n.split()[:2])]
        first = wchoice(r, [(0, 40), (1, 30), (2, 30)])
        names = [forms[first]]
        if r.random() < 0.4:
            names.append(forms[(first + r.randint(1, 2)) % 3])
    else:
        bases = CHAINS[shop.chain][3]
        names = [f"{bases[0]} {st}"]
        if len(bases) > 1 and r.random() < 0.3:
            names.append(f"{r.choice(bases[1:])} {st}")
        if r.random() < 0.4:
            names.append(f"{bases[0]} {r.choice(TOWNS[shop.town][3])}")
        if single_branch and r.random() < 0.6:
            names.append(bases[0])
    return list(dict.fromkeys(names))


def register_postcode_typo(r, pc):
    out, inn = pc.split(" ")
    k = r.random()
    if k < 0.3:
        return f"{out} {inn[0]}{inn[2]}{inn[1]}" if inn[1] != inn[2] else f"{out} {inn[:2]}{'A' if inn[2] != 'A' else 'B'}"
    if k < 0.55:
        return f"{out} {r.choice([d for d in '123456789' if d != inn[0]])}{inn[1:]}"
    if k < 0.8:
        return f"{out} {inn[:2]}{r.choice([c for c in INWARD_LETTERS if c != inn[2]])}"
    return pc.replace("0", "O", 1) if "0" in pc else pc.replace("1", "I", 1) if "1" in out else \
        f"{out} {inn[0]}{r.choice([c for c in INWARD_LETTERS if c != inn[1]])}{inn[2]}"


class IdPool:
    """Unique ids drawn at random from a range far larger than the number needed."""

    def __init__(self, r, lo, hi):
        self.r, self.lo, self.hi, self.used = r, lo, hi, set()

    def draw(self):
        while True:
            n = self.r.randrange(self.lo, self.hi)
            if n not in self.used:
                self.used.add(n)
                return n


def neighbours(p, pool):
    """Others in `pool` on the same street, else in the same town."""
    s = p.shop
    same = [q for q in pool if q is not p and q.shop.street == s.street]
    return same or [q for q in pool if q is not p]


def build_registers(r, shops):
    """Ids, radios and on-air names of every shop; each town's register with its
    faults. Returns (premises by shop id, {scheme: [Member]}, [fault rows])."""
    faults = []

    def fault(kind, scheme, member=None, premises=None, detail=""):
        faults.append({"fault": kind, "scheme": scheme, "member": member, "premises": premises, "detail": detail})

    chain_town = {}
    for s in shops:
        if s.chain:
            chain_town[(s.town, s.chain)] = chain_town.get((s.town, s.chain), 0) + 1
    bcrp_pool = {reg: IdPool(r, 1, max(100000, 20 * len(shops))) for reg in ("GMP", "WYP", "NTP", "SWP")}
    radio_pool = IdPool(r, 10000, 10000 + max(90000, 24 * len(shops)))
    width = len(str(bcrp_pool["GMP"].hi - 1))
    premises = []
    for s in shops:
        p = Premises()
        p.shop, p.scheme, p.member, p.borrowed_from = s, scheme_of(s.town), None, None
        p.bcrp_id = f"{s.region}-M-{bcrp_pool[s.region].draw():0{width}d}"
        postal = POSTAL_TOWN[s.town]
        p.platform_town = postal if postal != locality(s.town) and r.random() < P_PLATFORM_POSTAL_TOWN \
            else locality(s.town)
        p.radios = [f"R{radio_pool.draw()}" for _ in range(wchoice(r, [(1, 60), (2, 30), (3, 10)]))]
        p.send_radios = list(p.radios)
        p.onair = onair_names(r, s, s.chain is not None and chain_town[(s.town, s.chain)] == 1)
        premises.append(p)

    by_scheme = {}
    for p in premises:
        by_scheme.setdefault(p.scheme, []).append(p)
    registers = {}
    for scheme, town_prem in by_scheme.items():
        town = town_prem[0].shop.town
        members = []
        for p in town_prem:
            if r.random() < P_NOT_MEMBER:
                continue
            s = p.shop
            m = Member()
            m.premises, m.scheme, m.chain = p, scheme, s.chain
            m.trading_name = s.chain or s.indep_name
            m.branch = s.street if s.chain else ""
            m.aliases = list(p.onair)
            m.address = f"{s.number} {s.street}"
            m.postcode, m.town, m.status = s.postcode, locality(town), "active"
            m.radio_ids, m.bcrp_ids, m.store_numbers = list(p.radios), p.bcrp_id, ""
            p.member = m
            members.append(m)
        member_prem = [m.premises for m in members]
        # Shops missing from the register still report; on the radio they use a radio
        # of their own that the register does not list, or a neighbouring member's.
        for p in town_prem:
            if p.member is not None:
                continue
            near = neighbours(p, member_prem)
            if near and r.random() < P_NONMEMBER_BORROWS:
                q = r.choice(near)
                p.borrowed_from = q
                p.radios = []
                p.send_radios = [r.choice(q.radios)]
                fault("missing_member", scheme, premises=p,
                      detail=f"sends on {p.send_radios[0]}, a radio of shop {q.shop.sid}")
            else:
                fault("missing_member", scheme, premises=p, detail="own radios " + ";".join(p.radios))
        renamed = set()
        for m in members:
            p, s = m.premises, m.premises.shop
            st = abbreviate_street(r, s.street, 1.0).upper()
            if r.random() < P_RENAMED:
                renamed.add(id(m))
                if s.chain:
                    other = r.choice([f for f in RENAME_FASCIAS[s.kind] if f != s.chain])
                    other_air = [f"{on_air(other)} {st}"] + ([on_air(other)] if r.random() < 0.3 else [])
                else:
                    other = indep_other_name(r, s)
                    other_air = [on_air(other)]
                m.trading_name = other
                if r.random() < 0.5:
                    # The shop has since changed name: the register holds the new one,
                    # the reports (from the period) the old; the old name sometimes kept.
                    m.aliases = other_air + (p.onair[:1] if r.random() < P_RENAMED_KEEPS_OLD else [])
                    fault("renamed", scheme, m, p, f"register_newer: reports {s.chain or s.indep_name!r}, "
                          f"register {other!r}; old on-air name kept: {p.onair[0] in m.aliases}")
                else:
                    # The register was never updated: it holds the old name and old
                    # on-air names, the reports the current ones.
                    m.aliases = other_air
                    fault("renamed", scheme, m, p, f"register_older: reports {s.chain or s.indep_name!r}, "
                          f"register {other!r}")
            if r.random() < P_STALE_ALIAS:
                stale = None
                if r.random() < 0.5:
                    near = neighbours(p, town_prem)
                    if near:
                        q = r.choice(near)
                        cand = [a for a in q.onair if a not in m.aliases]
                        if cand:
                            stale = (r.choice(cand), f"now used by neighbouring shop {q.shop.sid}")
                if stale is None:
                    why = "no longer used on air"
                    if s.chain:
                        # The name from before the branch moved; another branch may be there now.
                        street = r.choice([x for x in TOWNS[town][2] if x != s.street])
                        old = f"{CHAINS[s.chain][3][0]} {abbreviate_street(r, street, 1.0).upper()}"
                        there = [x for x in town_prem if x.shop.chain == s.chain and x.shop.street == street]
                        if there:
                            why = f"from before the branch moved; now the street of shop {there[0].shop.sid}"
                    else:
                        old = on_air(indep_other_name(r, s))  # a previous owner's name
                    if old not in m.aliases:
                        stale = (old, why)
                if stale is not None:
                    m.aliases.insert(r.randrange(len(m.aliases) + 1), stale[0])
                    fault("stale_alias", scheme, m, p, f"{stale[0]!r}: {stale[1]}")
            pc = s.postcode
            x = r.random()
            if x < P_POSTCODE_MISSING:
                m.postcode = ""
                fault("postcode_missing", scheme, m, p, pc)
            elif x < P_POSTCODE_MISSING + P_POSTCODE_TYPO:
                m.postcode = register_postcode_typo(r, pc)
                fault("postcode_typo", scheme, m, p, f"{pc} written {m.postcode}")
            if r.random() < P_NO_BCRP_ID:
                m.bcrp_ids = ""
                fault("no_bcrp_id", scheme, m, p, p.bcrp_id)
            if s.chain and id(m) not in renamed and r.random() < P_STORE_NUMBER_KNOWN:
                m.store_numbers = str(s.store_no)
            if r.random() < P_LEFT:
                m.status = "left"
                fault("left", scheme, m, p, "status=left; still reports in the period")
        # Two branches of one chain in a town under one on-air name: the chain's
        # members in the town are paired off at random (an odd one out stays single)
        # and each pair shares an alias at the rate P_SHARED_ALIAS.
        groups = {}
        for m in members:
            if m.chain and id(m) not in renamed:
                groups.setdefault(m.chain, []).append(m)
        for chain, group in groups.items():
            r.shuffle(group)
            for a, b in zip(group[0::2], group[1::2]):
                if r.random() < P_SHARED_ALIAS:
                    b0 = CHAINS[chain][3][0]
                    bare = r.random() < 0.6
                    shared = b0 if bare else f"{b0} {r.choice(TOWNS[town][3])}"
                    for m in (a, b):
                        if shared not in m.aliases:
                            m.aliases.append(shared)
                    fault("shared_alias", scheme, a, a.premises,
                          f"{shared!r} ({'the bare chain name' if bare else 'chain and landmark'}) "
                          f"also listed for shop {b.premises.shop.sid}")
                    faults[-1]["other"] = b
        # Radios listed for another member (reissued, or the register mixed them up).
        moved = set()
        for m in members:
            for radio in list(m.radio_ids):
                if radio not in moved and r.random() < P_STALE_RADIO:
                    near = [q.member for q in neighbours(m.premises, member_prem)]
                    if not near:
                        continue
                    other = r.choice(near)
                    moved.add(radio)
                    m.radio_ids.remove(radio)
                    other.radio_ids.append(radio)
                    fault("stale_radio", scheme, other, m.premises,
                          f"{radio} is shop {m.premises.shop.sid}'s, listed for shop {other.premises.shop.sid}")
        # Closed premises never taken off the register.
        ghosts = []
        for _ in range(sum(1 for _ in members if r.random() < P_CLOSED)):
            g = Member()
            g.premises, g.scheme = None, scheme
            street = r.choice(TOWNS[town][2])
            st = abbreviate_street(r, street, 1.0).upper()
            if r.random() < 0.68:
                g.chain = wchoice(r, [(c, v[0]) for c, v in CHAINS.items()])
                g.trading_name, g.branch = g.chain, street
                g.aliases = [f"{CHAINS[g.chain][3][0]} {st}"]
            else:
                g.chain = None
                area = locality(town)
                g.trading_name = r.choice(INDEP_PATTERNS).format(
                    sur=r.choice(SURNAMES), area=area, street=street.split(" ")[0])
                g.branch = ""
                g.aliases = [on_air(g.trading_name)]
            g.address = f"{r.randint(1, 240)} {street}"
            g.postcode = make_postcode(r, r.choice(TOWNS[town][1]))
            g.town = locality(town)
            g.radio_ids = [f"R{radio_pool.draw()}" for _ in range(r.randint(1, 2))]
            region = TOWNS[town][0]
            g.bcrp_ids = f"{region}-M-{bcrp_pool[region].draw():0{width}d}" if r.random() < 0.9 else ""
            g.store_numbers = ""
            g.status = "left" if r.random() < 0.6 else "active"
            ghosts.append(g)
            fault("closed_member", scheme, g, None, f"closed premises still listed, status={g.status}")
        # Member ids in joining order, in the scheme's own style; rows in random order.
        rows = members + ghosts
        r.shuffle(rows)
        style = r.choice(MEMBER_ID_STYLES)
        prefix = slug(locality(town)).replace("-", "")[:3].upper()
        first = r.choice([1, 1, 100, 1000])
        for k, m in enumerate(rows):
            m.member_id = style.format(p=prefix, n=first + k)
        r.shuffle(rows)
        registers[scheme] = rows
    return premises, registers, faults


def uk_local_exists(t):
    """False inside the hour skipped when UK clocks go forward (last Sunday of March)."""
    if t.month != 3 or t.hour != 1:
        return True
    last_sunday = 31 - (dt.date(t.year, 3, 31).weekday() + 1) % 7
    return t.day != last_sunday


def annotate(r, row, inc, p):
    """The new columns of one report, drawn from the second generator."""
    t = inc["time"]
    src = row["source"]
    if src == "bcrp":
        row["scheme"], row["town"] = p.scheme, p.platform_town
        row["member_ref"] = p.bcrp_id if r.random() < P_BCRP_MEMBER_REF else ""
        day = t.date() + dt.timedelta(days=1)
        if row["_late_entry"]:
            # Keyed the next day (the entry date went in as the occurrence date).
            lo = max(t + dt.timedelta(hours=8), dt.datetime.combine(day, dt.time(7)))
            hi = min(t + dt.timedelta(hours=30), dt.datetime.combine(day, dt.time(22)))
            a = lo + dt.timedelta(seconds=r.uniform(0, (hi - lo).total_seconds()))
        elif r.random() < (P_BCRP_NEXT_DAY - 0.02) / 0.98:
            a = t + dt.timedelta(hours=r.uniform(8, 30))
        else:
            a = t + dt.timedelta(hours=max(1 / 12, math.exp(r.gauss(math.log(2.0), 1.0))))
        a = min(a, t + dt.timedelta(hours=72))
        if not uk_local_exists(a):
            a += dt.timedelta(hours=1)
    elif src == "retailer_csv":
        row["member_ref"] = str(inc["shop"].store_no) if r.random() < P_RETAILER_STORE_NO else ""
        y, mo = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
        a = dt.datetime(y, mo, 2, 3, 0, 0)
    else:
        row["scheme"], row["town"] = p.scheme, slug(p.shop.town)
        if r.random() < P_RADIO_SENDER:
            row["radio_id"] = r.choice(p.send_radios)
        a = row["_tt"] + dt.timedelta(seconds=r.uniform(5, 90))
    assert src == "radio" or a >= t, (row, t, a)
    row["arrived_at"] = a.strftime("%Y-%m-%dT%H:%M:%S")


def write_registers(out, registers, faults, premises):
    d = os.path.join(out, "registers")
    os.makedirs(d, exist_ok=True)
    for scheme, rows in registers.items():
        with open(os.path.join(d, scheme + ".csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(REGISTER_COLS)
            for m in rows:
                w.writerow([m.member_id, m.trading_name, m.branch, ";".join(m.aliases), m.address, m.postcode,
                            m.town, scheme, ";".join(m.radio_ids), m.bcrp_ids, m.store_numbers, m.status])
    with open(os.path.join(d, "FAULTS.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["fault", "scheme", "member_id", "shop_id", "other_member_id", "detail"])
        for x in faults:
            m, p, o = x["member"], x["premises"], x.get("other")
            w.writerow([x["fault"], x["scheme"], m.member_id if m else "", p.shop.sid if p else "",
                        o.member_id if o else "", x["detail"]])
    with open(os.path.join(out, "shops.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["shop_id", "scheme", "town", "chain", "name", "street", "number", "postcode", "store_no",
                    "bcrp_id", "platform_town", "radios", "send_radios", "member_id", "onair"])
        for p in premises:
            s = p.shop
            w.writerow([s.sid, p.scheme, s.town, s.chain or "", s.chain or s.indep_name, s.street, s.number,
                        s.postcode, s.store_no or "", p.bcrp_id, p.platform_town, ";".join(p.radios),
                        ";".join(p.send_radios), p.member.member_id if p.member else "", ";".join(p.onair)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-registers", action="store_true",
                    help="do not write registers/ and shops.csv (the report columns are the same)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    # Everything added after the first 11 report columns draws from this one.
    rng2 = random.Random(a.seed * 7919 + 13)
    incidents, shops = simulate(rng, a.incidents)
    premises, registers, faults = build_registers(rng2, shops)
    incidents.sort(key=lambda i: i["time"])
    ctx = {"bcrp_seq": {"GMP": 1200, "WYP": 5400, "NTP": 300, "SWP": 8800}, "ret_seq": 100000, "radio_seq": 0}
    rows = []
    for k, inc in enumerate(incidents):
        inc["iid"] = f"I{k + 1:06d}"
        for ch, is_dup in choose_channels(rng, inc):
            row = render(rng, inc, ch, ctx, dup_of=inc if is_dup else None)
            row["_iid"] = inc["iid"]
            annotate(rng2, row, inc, premises[inc["shop"].sid])
            rows.append(row)
    rng.shuffle(rows)
    os.makedirs(a.out, exist_ok=True)
    cols = ["report_id", "source", "source_record_id", "occurred_at", "premises_name", "premises_postcode",
            "offence", "offender_description", "property_value_gbp", "staff_injured", "narrative"] + NEW_REPORT_COLS
    with open(os.path.join(a.out, "reports.csv"), "w", newline="", encoding="utf-8") as f, \
            open(os.path.join(a.out, "truth.csv"), "w", newline="", encoding="utf-8") as g:
        w = csv.writer(f, lineterminator="\n")
        tw = csv.writer(g, lineterminator="\n")
        w.writerow(cols)
        tw.writerow(["report_id", "true_incident_id"])
        for i, row in enumerate(rows):
            row["report_id"] = f"R{i + 1:06d}"
            w.writerow([row.get(c, "") for c in cols])
            tw.writerow([row["report_id"], row["_iid"]])
    with open(os.path.join(a.out, "incidents.csv"), "w", newline="", encoding="utf-8") as h:
        w = csv.writer(h, lineterminator="\n")
        w.writerow(["true_incident_id", "time", "shop_id", "town", "chain", "street", "postcode", "category",
                    "alt_category", "offender_id", "hard_case", "member_id", "scheme"])
        for inc in incidents:
            s = inc["shop"]
            p = premises[s.sid]
            w.writerow([inc["iid"], inc["time"].strftime("%Y-%m-%d %H:%M"), s.sid, s.town, s.chain or "",
                        s.street, s.postcode, inc["cat"], inc["alt_cat"] or "", inc["offender"].oid, inc["hard"],
                        p.member.member_id if p.member else "", p.scheme])
    if not a.no_registers:
        write_registers(a.out, registers, faults, premises)
    print(f"{len(incidents)} incidents, {len(rows)} reports -> {a.out}")


if __name__ == "__main__":
    main()
