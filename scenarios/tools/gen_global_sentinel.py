#!/usr/bin/env python3
"""Writes scenarios/global-sentinel-25.ron (standard library only).

  python3 scenarios/tools/gen_global_sentinel.py > scenarios/global-sentinel-25.ron

A Global-Sentinel-scale laydown: the 25 nations of Global Sentinel 24 (5-16 Feb 2024, Vandenberg,
97 sensors; U.S. DoD News, Feb 2024; GS22, U.S. Space Command release of 3 Aug 2022, had Greece
instead of Colombia, and 50 sensors: see scenarios/data/SOURCES.md), three regional space
operations centers, 97 ground
sensors at real public sites (radars and telescopes of the nations' SSA networks and observatories;
parameters are generic, public-domain orders of magnitude, not real performance), agreements
between the United States and every partner and among the Five Eyes partners, liaison officers
posted at the U.S. center, a set of tasking requests and one inject of each kind (with a
conjunction). Every telescope has its site's weather (climate-class planning values). The catalog is the CelesTrak active set, owners inferred from names.
Edit this script rather than the generated file.
"""

NATIONS = [
    ("AUS", "Australia"), ("BEL", "Belgium"), ("BRA", "Brazil"), ("CAN", "Canada"), ("COL", "Colombia"),
    ("DEU", "Germany"), ("ESP", "Spain"), ("FIN", "Finland"), ("FRA", "France"), ("GBR", "United Kingdom"),
    ("ISR", "Israel"), ("ITA", "Italy"), ("JPN", "Japan"), ("KOR", "Republic of Korea"), ("NLD", "Netherlands"),
    ("NOR", "Norway"), ("NZL", "New Zealand"), ("PER", "Peru"), ("POL", "Poland"), ("PRT", "Portugal"),
    ("ROU", "Romania"), ("SWE", "Sweden"), ("THA", "Thailand"), ("UKR", "Ukraine"),
    ("USA", "United States (USSPACECOM, Combined Space Operations Center)"),
]

CENTERS = [
    ("RSPOC-EUROPE", "European regional SpOC",
     ["BEL", "DEU", "ESP", "FIN", "FRA", "ITA", "NLD", "NOR", "POL", "PRT", "ROU", "SWE", "UKR"], 300),
    ("RSPOC-AMERICAS", "Americas regional SpOC", ["BRA", "COL", "PER"], 600),
    ("RSPOC-INDO-PACIFIC", "Indo-Pacific regional SpOC", ["JPN", "KOR", "THA"], 300),
]

# Sensor types: generic parameters (public orders of magnitude).
TYPES = {
    "fence": "Radar(min_elevation_deg: 15.0, max_range_km: 3500.0, reference_snr_db: 41.0, reference_range_km: 1000.0, "
             "range_sigma_m: 15.0, az_sigma_deg: 0.01, el_sigma_deg: 0.01, capacity: 8)",
    "uewr": "Radar(min_elevation_deg: 3.0, max_range_km: 5500.0, reference_snr_db: 38.0, reference_range_km: 1000.0, "
            "range_sigma_m: 20.0, az_sigma_deg: 0.02, el_sigma_deg: 0.02, capacity: 2)",
    "surv": "Radar(min_elevation_deg: 10.0, max_range_km: 2500.0, reference_snr_db: 32.0, reference_range_km: 1000.0, "
            "range_sigma_m: 30.0, az_sigma_deg: 0.05, el_sigma_deg: 0.05, capacity: 3)",
    "track": "Radar(min_elevation_deg: 5.0, max_range_km: 40000.0, reference_snr_db: 70.0, reference_range_km: 1000.0, "
             "range_sigma_m: 5.0, az_sigma_deg: 0.005, el_sigma_deg: 0.005, capacity: 1)",
    "tele": "Optical(min_elevation_deg: 20.0, limiting_magnitude: 16.5, angle_sigma_arcsec: 1.5, capacity: 1)",
    "small": "Optical(min_elevation_deg: 20.0, limiting_magnitude: 15.0, angle_sigma_arcsec: 2.5, capacity: 1)",
}

# Telescope weather by climate class: the share of clear hours per month (January first) and the
# mean cloudy spell, hours. Planning values rounded from the general cloud climatology of each
# class (not measured site statistics; see scenarios/data/SOURCES.md): replace them with a site's
# own records for a real exercise.
CLIMATES = {
    "arid": ([0.70, 0.70, 0.72, 0.78, 0.80, 0.78, 0.55, 0.58, 0.72, 0.78, 0.74, 0.70], 12),
    "arid-south": ([0.72, 0.70, 0.72, 0.72, 0.68, 0.62, 0.65, 0.72, 0.80, 0.82, 0.80, 0.76], 12),
    "summit": ([0.62, 0.62, 0.64, 0.66, 0.74, 0.80, 0.78, 0.78, 0.76, 0.70, 0.64, 0.60], 12),
    "summit-south": ([0.60, 0.58, 0.62, 0.70, 0.74, 0.78, 0.82, 0.80, 0.74, 0.70, 0.66, 0.62], 12),
    "mediterranean": ([0.50, 0.52, 0.56, 0.58, 0.66, 0.78, 0.85, 0.83, 0.72, 0.60, 0.52, 0.48], 18),
    "temperate-south": ([0.48, 0.50, 0.50, 0.46, 0.42, 0.40, 0.42, 0.44, 0.44, 0.44, 0.46, 0.48], 24),
    "oceanic": ([0.25, 0.28, 0.32, 0.38, 0.40, 0.40, 0.40, 0.42, 0.38, 0.32, 0.27, 0.24], 36),
    "continental": ([0.30, 0.34, 0.38, 0.42, 0.45, 0.48, 0.50, 0.52, 0.48, 0.38, 0.28, 0.26], 30),
    "monsoon": ([0.70, 0.68, 0.60, 0.50, 0.35, 0.25, 0.22, 0.22, 0.28, 0.45, 0.60, 0.70], 24),
    "tropical": ([0.45, 0.45, 0.45, 0.42, 0.38, 0.35, 0.35, 0.38, 0.40, 0.40, 0.42, 0.45], 8),
}

# The climate class of each telescope.
CLIMATE_OF = {
    "US-GEODSS-SOCORRO": "arid", "US-GEODSS-SOCORRO-2": "arid", "US-SOCORRO-ETS": "arid",
    "KR-OWL-ARIZONA": "arid", "IL-WISE": "arid", "KR-OWL-ISRAEL": "arid", "KR-OWL-MOROCCO": "arid",
    "KR-OWL-MONGOLIA": "arid", "US-SST-EXMOUTH": "arid-south", "PE-MOQUEGUA": "arid-south",
    "US-GEODSS-MAUI": "summit", "US-GEODSS-MAUI-2": "summit", "US-AMOS": "summit",
    "ES-TEIDE": "summit", "UK-LA-PALMA": "summit", "PT-MADEIRA": "summit",
    "FR-TAROT-CHILE": "summit-south", "DE-SMARTNET-1": "summit-south", "FR-ODNET-REUNION": "summit-south",
    "US-MOSS": "mediterranean", "UK-STARBROOK": "mediterranean", "FR-TAROT-CALERN": "mediterranean",
    "ES-TFRM": "mediterranean", "IT-MITO": "mediterranean",
    "AU-FALCON-MTSTROMLO": "temperate-south", "AU-SIDING-SPRING": "temperate-south",
    "AU-DSTG-EDINBURGH": "temperate-south", "NZ-MT-JOHN": "temperate-south", "NZ-AUCKLAND": "temperate-south",
    "BR-PICO-DOS-DIAS": "temperate-south", "PE-HUANCAYO": "temperate-south",
    "UK-HERSTMONCEUX": "oceanic", "NL-LEIDEN": "oceanic", "BE-UCCLE": "oceanic", "SE-ONSALA": "oceanic",
    "FI-METSAHOVI": "continental", "SE-ESRANGE": "continental", "PL-PST": "continental",
    "PL-BOROWIEC": "continental", "RO-BUCHAREST": "continental", "RO-CLUJ": "continental",
    "UA-KYIV": "continental", "UA-UZHHOROD": "continental", "CA-OTTAWA": "continental",
    "CA-SUFFIELD": "continental", "DE-SMARTNET-2": "continental", "KR-OWL-KOREA": "continental",
    "JP-BISEI": "monsoon", "JP-OKAYAMA": "monsoon", "JP-CHOFU": "monsoon", "JP-MISATO": "monsoon",
    "TH-DOI-INTHANON": "monsoon", "US-GEODSS-DIEGO-GARCIA": "tropical", "TH-SONGKHLA": "tropical",
    "CO-BOGOTA": "tropical", "CO-VILLA-DE-LEYVA": "tropical",
}


def sensor_kind(sid, kind):
    """The sensor's kind, a telescope with its site's weather."""
    if not TYPES[kind].startswith("Optical"):
        return TYPES[kind]
    fractions, spell = CLIMATES[CLIMATE_OF[sid]]
    weather = "weather: (clear_fraction: [%s], cloudy_spell_h: %d.0)" % (
        ", ".join("%.2f" % f for f in fractions), spell)
    return "%s,\n                   %s)" % (TYPES[kind][:-1], weather)


# (nation, id, name, lat_deg, lon_deg, alt_m, type)
SENSORS = [
    # United States
    ("USA", "US-SPACE-FENCE", "Space Fence, Kwajalein", 9.395, 167.470, 10, "fence"),
    ("USA", "US-COBRA-DANE", "Cobra Dane, Shemya", 52.737, 174.092, 70, "uewr"),
    ("USA", "US-BEALE", "UEWR Beale", 39.136, -121.351, 100, "uewr"),
    ("USA", "US-CAPE-COD", "UEWR Cape Cod", 41.754, -70.539, 80, "uewr"),
    ("USA", "US-CLEAR", "UEWR Clear", 64.290, -149.187, 200, "uewr"),
    ("USA", "US-PITUFFIK", "UEWR Pituffik", 76.570, -68.299, 400, "uewr"),
    ("USA", "US-EGLIN", "AN/FPS-85 Eglin", 30.572, -86.215, 30, "uewr"),
    ("USA", "US-CAVALIER", "PARCS Cavalier", 48.725, -97.900, 350, "uewr"),
    ("USA", "US-ASCENSION", "Ascension Island radar", -7.906, -14.402, 100, "surv"),
    ("USA", "US-ALTAIR", "ALTAIR, Kwajalein", 9.395, 167.479, 10, "track"),
    ("USA", "US-MILLSTONE", "Millstone Hill", 42.617, -71.491, 130, "track"),
    ("USA", "US-HAYSTACK", "Haystack", 42.623, -71.488, 130, "track"),
    ("USA", "US-GLOBUS", "Globus II, Vardo", 70.367, 31.127, 50, "track"),
    ("USA", "US-GEODSS-SOCORRO", "GEODSS Socorro", 33.817, -106.659, 1510, "tele"),
    ("USA", "US-GEODSS-MAUI", "GEODSS Maui", 20.708, -156.257, 3058, "tele"),
    ("USA", "US-GEODSS-DIEGO-GARCIA", "GEODSS Diego Garcia", -7.412, 72.452, 10, "tele"),
    ("USA", "US-MOSS", "Moron optical sensor", 37.170, -5.616, 90, "tele"),
    ("USA", "US-SST-EXMOUTH", "Space Surveillance Telescope, Exmouth", -21.816, 114.166, 50, "tele"),
    ("USA", "US-AMOS", "AMOS, Maui", 20.707, -156.256, 3058, "tele"),
    ("USA", "US-SOCORRO-ETS", "Experimental Test Site, Socorro", 33.816, -106.660, 1510, "small"),
    # United Kingdom
    ("GBR", "UK-FYLINGDALES", "RAF Fylingdales", 54.361, -0.670, 270, "uewr"),
    ("GBR", "UK-STARBROOK", "Starbrook, Troodos", 34.933, 32.883, 1800, "small"),
    ("GBR", "UK-CHILBOLTON", "Chilbolton Observatory", 51.145, -1.437, 85, "surv"),
    ("GBR", "UK-HERSTMONCEUX", "Herstmonceux", 50.867, 0.336, 75, "small"),
    # France
    ("FRA", "FR-GRAVES", "GRAVES, Broye-les-Pesmes", 47.348, 5.515, 230, "surv"),
    ("FRA", "FR-SATAM-1", "SATAM, Mont-de-Marsan", 43.910, -0.500, 60, "track"),
    ("FRA", "FR-TAROT-CALERN", "TAROT Calern", 43.752, 6.921, 1270, "small"),
    ("FRA", "FR-TAROT-CHILE", "TAROT La Silla", -29.261, -70.731, 2400, "small"),
    ("FRA", "FR-ODNET-REUNION", "Reunion telescope", -21.209, 55.572, 2000, "small"),
    # Germany
    ("DEU", "DE-GESTRA", "GESTRA, Koblenz", 50.364, 7.593, 100, "surv"),
    ("DEU", "DE-TIRA", "TIRA, Wachtberg", 50.617, 7.129, 300, "track"),
    ("DEU", "DE-SMARTNET-1", "SMARTnet, Sutherland", -32.380, 20.810, 1760, "small"),
    # Spain
    ("ESP", "ES-S3TSR", "S3TSR, Santorcaz", 40.470, -3.250, 780, "surv"),
    ("ESP", "ES-TFRM", "TFRM, Montsec", 42.051, 0.730, 1570, "small"),
    ("ESP", "ES-TEIDE", "Teide Observatory", 28.300, -16.512, 2390, "tele"),
    # Italy
    ("ITA", "IT-BIRALES", "BIRALES, Medicina", 44.523, 11.646, 30, "surv"),
    ("ITA", "IT-MFDR", "Multi-function radar, Sardinia", 39.600, 9.400, 200, "track"),
    ("ITA", "IT-MITO", "MITO telescope, Matera", 40.649, 16.704, 540, "small"),
    # Norway
    ("NOR", "NO-EISCAT-TROMSO", "EISCAT Tromso", 69.586, 19.227, 85, "surv"),
    ("NOR", "NO-EISCAT-SVALBARD", "EISCAT Svalbard", 78.153, 16.029, 445, "surv"),
    # Finland
    ("FIN", "FI-EISCAT-SODANKYLA", "EISCAT Sodankyla", 67.364, 26.627, 197, "surv"),
    ("FIN", "FI-METSAHOVI", "Metsahovi Observatory", 60.217, 24.394, 60, "small"),
    # Sweden
    ("SWE", "SE-EISCAT-KIRUNA", "EISCAT Kiruna", 67.861, 20.435, 418, "surv"),
    ("SWE", "SE-ESRANGE", "Esrange Space Center telescope", 67.893, 21.104, 330, "small"),
    ("SWE", "SE-ONSALA", "Onsala Space Observatory telescope", 57.393, 11.918, 20, "small"),
    # Netherlands
    ("NLD", "NL-DWINGELOO", "Dwingeloo", 52.812, 6.396, 25, "surv"),
    ("NLD", "NL-LEIDEN", "Leiden Observatory telescope", 52.155, 4.484, 10, "small"),
    # Belgium
    ("BEL", "BE-UCCLE", "Uccle Observatory", 50.798, 4.358, 105, "small"),
    ("BEL", "BE-HUMAIN", "Humain radio station", 50.192, 5.254, 290, "surv"),
    # Poland
    ("POL", "PL-PST", "Polish SST telescope, Suhora", 49.569, 20.067, 1000, "small"),
    ("POL", "PL-BOROWIEC", "Borowiec", 52.277, 17.075, 80, "small"),
    # Portugal
    ("PRT", "PT-SANTA-MARIA", "Santa Maria radar, Azores", 36.997, -25.136, 280, "surv"),
    ("PRT", "PT-MADEIRA", "Pico do Areeiro telescope, Madeira", 32.736, -16.928, 1800, "small"),
    # Romania
    ("ROU", "RO-BUCHAREST", "Astronomical Institute, Bucharest", 44.413, 26.097, 80, "small"),
    ("ROU", "RO-CLUJ", "Cluj-Napoca optical station", 46.712, 23.593, 750, "small"),
    # Israel
    ("ISR", "IL-WISE", "Wise Observatory, Mitzpe Ramon", 30.596, 34.763, 875, "small"),
    ("ISR", "IL-NEGEV", "Negev radar", 30.900, 34.900, 400, "surv"),
    # Japan
    ("JPN", "JP-SANYO-ONODA", "JASDF deep-space SSA radar", 34.030, 131.170, 50, "track"),
    ("JPN", "JP-KAMISAIBARA", "Kamisaibara radar", 35.317, 133.944, 550, "surv"),
    ("JPN", "JP-BISEI", "Bisei telescope", 34.672, 133.544, 400, "tele"),
    ("JPN", "JP-OKAYAMA", "Okayama telescope", 34.576, 133.594, 370, "small"),
    ("JPN", "JP-CHOFU", "JAXA Chofu telescope", 35.669, 139.558, 60, "small"),
    # Republic of Korea
    ("KOR", "KR-OWL-KOREA", "OWL-Net Bohyunsan", 36.165, 128.976, 1124, "small"),
    ("KOR", "KR-OWL-MONGOLIA", "OWL-Net Songino", 47.874, 106.330, 1600, "small"),
    ("KOR", "KR-OWL-MOROCCO", "OWL-Net Oukaimeden", 31.206, -7.866, 2700, "small"),
    ("KOR", "KR-OWL-ISRAEL", "OWL-Net Mitzpe Ramon", 30.597, 34.762, 875, "small"),
    ("KOR", "KR-OWL-ARIZONA", "OWL-Net Mt Lemmon", 32.442, -110.789, 2790, "small"),
    ("KOR", "KR-SSA-RADAR", "ROK Air Force SSA radar", 36.600, 127.500, 200, "surv"),
    # Australia
    ("AUS", "AU-C-BAND-EXMOUTH", "C-band radar, Exmouth", -21.902, 114.131, 10, "track"),
    ("AUS", "AU-JORN-LAVERTON", "Space surveillance radar, Laverton", -28.326, 122.005, 450, "surv"),
    ("AUS", "AU-FALCON-MTSTROMLO", "Mt Stromlo telescope", -35.320, 149.008, 770, "small"),
    ("AUS", "AU-SIDING-SPRING", "Siding Spring", -31.273, 149.062, 1165, "tele"),
    ("AUS", "AU-DSTG-EDINBURGH", "DSTG telescope, Edinburgh", -34.710, 138.620, 20, "small"),
    # Canada
    ("CAN", "CA-OTTAWA", "Ottawa optical site", 45.350, -75.880, 90, "small"),
    ("CAN", "CA-DRAO", "DRAO Penticton", 49.321, -119.623, 545, "surv"),
    ("CAN", "CA-SUFFIELD", "Suffield optical site", 50.270, -111.170, 760, "small"),
    # New Zealand
    ("NZL", "NZ-MT-JOHN", "Mt John Observatory", -43.986, 170.465, 1030, "tele"),
    ("NZL", "NZ-AUCKLAND", "Auckland optical site", -36.910, 174.770, 80, "small"),
    # Thailand
    ("THA", "TH-DOI-INTHANON", "Thai National Observatory", 18.574, 98.482, 2457, "tele"),
    ("THA", "TH-SONGKHLA", "Songkhla telescope", 7.170, 100.600, 20, "small"),
    # Ukraine
    ("UKR", "UA-MUKACHEVO", "Mukachevo radar", 48.378, 22.708, 200, "uewr"),
    ("UKR", "UA-KYIV", "Main Astronomical Observatory, Kyiv", 50.364, 30.497, 190, "small"),
    ("UKR", "UA-UZHHOROD", "Uzhhorod optical station", 48.634, 22.299, 230, "small"),
    # Brazil
    ("BRA", "BR-PICO-DOS-DIAS", "Pico dos Dias", -22.534, -45.583, 1864, "tele"),
    ("BRA", "BR-ALCANTARA", "Alcantara tracking radar", -2.373, -44.396, 50, "track"),
    ("BRA", "BR-NATAL", "Barreira do Inferno radar", -5.924, -35.161, 30, "surv"),
    # Colombia
    ("COL", "CO-BOGOTA", "Bogota optical site", 4.640, -74.080, 2600, "small"),
    ("COL", "CO-VILLA-DE-LEYVA", "Villa de Leyva telescope", 5.630, -73.530, 2150, "small"),
    # Peru
    ("PER", "PE-JICAMARCA", "Jicamarca Radio Observatory", -11.951, -76.874, 520, "surv"),
    ("PER", "PE-MOQUEGUA", "Moquegua telescope", -17.200, -70.930, 1400, "small"),
    ("PER", "PE-HUANCAYO", "Huancayo Observatory", -12.042, -75.321, 3313, "small"),
    # more U.S. and partners to reach the GS24 count of 97
    ("USA", "US-GEODSS-MAUI-2", "GEODSS Maui, second telescope", 20.708, -156.257, 3058, "tele"),
    ("USA", "US-GEODSS-SOCORRO-2", "GEODSS Socorro, second telescope", 33.817, -106.659, 1510, "tele"),
    ("GBR", "UK-LA-PALMA", "La Palma telescope", 28.760, -17.880, 2330, "small"),
    ("FRA", "FR-SATAM-2", "SATAM, Solenzara", 41.920, 9.400, 30, "track"),
    ("JPN", "JP-MISATO", "Misato observatory", 34.130, 135.350, 400, "small"),
    ("DEU", "DE-SMARTNET-2", "SMARTnet, Zimmerwald", 46.877, 7.465, 950, "small"),
]


INJECTS = [
    'Manoeuvre(id: "ISS-REBOOST", object: 25544, at: "T+01:00", delta_v_m_s: (along_track: 1.0)),',
    'Launch(id: "H3-LAUNCH", at: "T+02:00", owner: "JPN", objects: [',
    '    (id: 99001, name: "H3 PAYLOAD", orbit: Circular(site_lat_deg: 30.40, site_lon_deg: 130.97, altitude_km: 500.0, inclination_deg: 30.4)),',
    '    (id: 99002, name: "H3 R/B", orbit: Circular(site_lat_deg: 30.40, site_lon_deg: 130.97, altitude_km: 480.0, inclination_deg: 30.4)),',
    ']),',
    'Breakup(id: "YAOGAN-BREAKUP", object: 41473, at: "T+03:00", fragments: 40, first_id: 99100, delta_v_median_m_s: 15.0),',
    'Reentry(id: "PROGRESS-DEORBIT", object: 68319, at: "T+05:00"),',
    'SensorOutage(id: "BEALE-DOWN", sensor: "US-BEALE", start: "T+00:30", end: "T+03:30"),',
    'SensorDegradation(id: "ONODA-RAIN", sensor: "JP-SANYO-ONODA", start: "T+02:00", end: "T+05:00", snr_loss_db: 10.0, noise_factor: 3.0),',
    'LinkCut(id: "JPN-LNO-LINK-DOWN", liaison: "JPN-LNO-CSPOC", start: "T+01:00", end: "T+02:00"),',
    'PriorityChange(id: "HIMAWARI-WATCH", nation: "JPN", object: 41836, priority: 1, start: "T+01:00", end: "T+05:00"),',
    'Conjunction(id: "CJ-GCOMC", at: "T+00:20", primary: 43065, secondary: (id: 99200, name: "DEBRIS 99200"),',
    '            tca: "T+05:30", miss_m: 40.0, crossing_angle_deg: 170.0),',
]


def main():
    out = []
    w = out.append
    w("// GENERATED by scenarios/tools/gen_global_sentinel.py; edit the script, not this file.")
    w("//")
    w("// Global Sentinel at GS24 scale: the 25 nations of GS24 (U.S. DoD News, Feb 2024), three")
    w("// regional SpOCs that pool their members' sensors, %d ground sensors at real public sites" % len(SENSORS))
    w("// (generic parameters), agreements between the United States and every partner and among the")
    w("// Five Eyes, liaison officers at the U.S. center, tasking requests, one inject of each kind and a")
    w("// conjunction, and the CelesTrak active catalog (15,985 objects, owners inferred from their")
    w("// names), 6 hours at 10 s ticks. Every telescope has its site's weather (climate-class planning")
    w("// values, scenarios/data/SOURCES.md) and the Moon's exclusion and light (defaults).")
    w("Scenario(")
    w('    name: "Global Sentinel 25",')
    w('    description: "25 nations, 3 RSpOCs, %d sensors, agreements, liaisons and tasking against the active catalog.",' % len(SENSORS))
    w('    epoch: "2026-07-10T00:00:00Z",')
    w("    duration_s: 21600,")
    w("    tick_s: 10,")
    w("    seed: 2024,")
    w("    nations: [")
    for i, n in NATIONS:
        w('        (id: "%s", name: "%s"),' % (i, n))
    w("    ],")
    w("    sensors: [")
    for nation, sid, name, lat, lon, alt, kind in SENSORS:
        w('        (id: "%s", name: "%s", nation: "%s", site: (lat_deg: %.3f, lon_deg: %.3f, alt_m: %.1f),'
          % (sid, name, nation, lat, lon, alt))
        w("         kind: %s)," % sensor_kind(sid, kind))
    w("    ],")
    w("    // Owners of the large national programmes and constellations from their names")
    w("    // (docs/scenario-reference.md, Ownership rules), so the agreements' ownership rules bite.")
    w("    catalog: [File(path: \"data/celestrak-active-2026-07.omm.csv\", infer_owners: true)],")
    w("    object_overrides: [")
    w('        (id: 25544, rcs_m2: 400.0, std_magnitude: -1.3),')
    for oid, owner, mil in [(40267, "JPN", False), (41836, "JPN", False), (61733, "JPN", True),
                            (22988, "USA", True), (23712, "USA", True), (26356, "USA", True),
                            (41744, "USA", True), (41745, "USA", True), (49260, "USA", False)]:
        w('        (id: %d, owner: "%s"%s),' % (oid, owner, ", military: true" if mil else ""))
    w("    ],")
    w("    track_report_s: 900,")
    w("    regional_centers: [")
    for cid, name, members, lat in CENTERS:
        w('        (id: "%s", name: "%s", members: [%s], latency_s: %d),'
          % (cid, name, ", ".join('"%s"' % m for m in members), lat))
    w("    ],")
    w("    agreements: [")
    partners = [n for n, _ in NATIONS if n != "USA"]
    for p in partners:
        w('        (id: "USA-to-%s", from: "USA", to: "%s", products: [CatalogUpdates, TaskingSupport], delay_s: 10800,' % (p, p))
        w('         rules: [Deny(id: "us-military", owners: ["USA"], military: true)]),')
        w('        (id: "%s-to-USA", from: "%s", to: "USA", products: [Observations, TaskingSupport], delay_s: 3600,' % (p, p))
        w('         rules: [Deny(id: "own-military", owners: ["%s"], military: true)]),' % p)
    fvey = ["AUS", "CAN", "GBR", "NZL"]
    for a in fvey:
        for b in fvey:
            if a != b:
                w('        (id: "%s-to-%s", from: "%s", to: "%s", products: [Observations, TaskingSupport], delay_s: 1800),'
                  % (a, b, a, b))
    w("    ],")
    w("    liaisons: [")
    for home, start in [("JPN", 0), ("KOR", 0), ("AUS", 2), ("GBR", 4), ("FRA", 4), ("DEU", 4), ("CAN", 2), ("ITA", 4)]:
        w('        (id: "%s-LNO-CSPOC", home: "%s", host: "USA", latency_s: 300, messages_per_hour: 90, queue_limit: 40,'
          % (home, home))
        w('         on_duty: [(start: "T+%02d:00", end: "T+%02d:00")], relay: OwnedOrRequested),' % (start, min(start + 4, 6)))
    w("    ],")
    w("    tasking: [")
    reqs = [
        ("JPN-01", "JPN", 41836, 'Nation("USA")', 1, "T+00:15", "T+05:00", "HIMAWARI-9 custody"),
        ("JPN-02", "JPN", 39766, 'Nation("USA")', 2, "T+00:30", "T+04:00", "ALOS-2 after manoeuvre"),
        ("KOR-01", "KOR", 25544, 'Nation("USA")', 3, "T+01:00", "T+06:00", "ISS conjunction support"),
        ("AUS-01", "AUS", 48274, 'Nation("GBR")', 2, "T+00:20", "T+06:00", "Tiangong from the UK"),
        ("GBR-01", "GBR", 40267, 'Nation("AUS")', 2, "T+00:20", "T+06:00", "HIMAWARI-8 from Australia"),
        ("USA-01", "USA", 40267, 'Nation("JPN")', 2, "T+00:10", "T+06:00", "HIMAWARI-8 from Japan"),
        ("USA-02", "USA", 61733, 'Nation("JPN")', 3, "T+00:10", "T+06:00", "DSN-3 characterisation (declined by policy)"),
        ("FRA-01", "FRA", 25544, 'Nation("DEU")', 2, "T+00:05", "T+03:00", "ISS through the European RSpOC"),
        ("BRA-01", "BRA", 49260, 'Nation("PER")', 4, "T+01:00", "T+06:00", "Landsat 9 through the Americas RSpOC"),
        ("THA-01", "THA", 25544, 'Nation("FRA")', 3, "T+00:30", "T+06:00", "No agreement with France: declined"),
    ]
    for rid, by, obj, to, pri, start, end, reason in reqs:
        w('        (id: "%s", by: "%s", object: %d, to: %s, priority: %d, window: (start: "%s", end: "%s"), reason: "%s"),'
          % (rid, by, obj, to, pri, start, end, reason))
    w("    ],")
    w("    // One inject of each kind, and a conjunction of a Japanese payload with new debris.")
    w("    injects: [")
    for line in INJECTS:
        w("        " + line)
    w("    ],")
    w(")")
    print("\n".join(out))


if __name__ == "__main__":
    main()
