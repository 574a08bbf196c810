//! Ownership rules of thumb: the owning nation (and whether it is a military payload) of the large
//! national programmes and constellations, from the object's catalog name. Applied to the objects
//! of a catalog source with `infer_owners: true`; an object's own `owner`/`military` (a source's
//! or an override's) replaces the rule's. Owners are ISO 3166 alpha-3 codes, as scenario nation ids
//! are, with `EU` for the European Union's programmes and `INT` for intergovernmental operators.
//!
//! The rules are deliberately conservative: a programme is listed only when its operator is
//! public, and `military` only for payloads a defence ministry operates (GPS is operated by the
//! U.S. Space Force; COSMOS is the Russian designation used mostly for military payloads).
//! Commercial constellations belong to the operator's licensing nation.

/// One rule: names starting with `prefix` (upper case, then a separator or the end) belong to
/// `owner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The start of the name.
    pub prefix: &'static str,
    /// The owning nation (or `EU`, `INT`).
    pub owner: &'static str,
    /// A military payload.
    pub military: bool,
}

const fn civil(prefix: &'static str, owner: &'static str) -> Rule {
    Rule {
        prefix,
        owner,
        military: false,
    }
}

const fn military(prefix: &'static str, owner: &'static str) -> Rule {
    Rule {
        prefix,
        owner,
        military: true,
    }
}

/// The rules, first match wins (longer prefixes before the shorter ones they start with).
pub const RULES: &[Rule] = &[
    // United States.
    civil("STARLINK", "USA"),
    civil("KUIPER", "USA"),
    civil("IRIDIUM", "USA"),
    civil("GLOBALSTAR", "USA"),
    civil("ORBCOMM", "USA"),
    civil("FLOCK", "USA"),
    civil("LEMUR", "USA"),
    civil("SKYSAT", "USA"),
    civil("HAWK", "USA"),
    civil("CAPELLA", "USA"),
    civil("TDRS", "USA"),
    civil("GOES", "USA"),
    civil("NOAA", "USA"),
    civil("LANDSAT", "USA"),
    civil("WORLDVIEW", "USA"),
    civil("GALAXY", "USA"),
    civil("ECHOSTAR", "USA"),
    civil("DIRECTV", "USA"),
    civil("SPACEMOBILE", "USA"),
    civil("BLUEBIRD", "USA"),
    military("NAVSTAR", "USA"),
    military("GPS", "USA"),
    military("USA", "USA"),
    military("WGS", "USA"),
    military("AEHF", "USA"),
    military("SBIRS", "USA"),
    military("MUOS", "USA"),
    military("DMSP", "USA"),
    military("MILSTAR", "USA"),
    military("DSCS", "USA"),
    military("SDA", "USA"),
    military("NROL", "USA"),
    // Russia.
    military("COSMOS", "RUS"),
    military("KOSMOS", "RUS"),
    military("GLONASS", "RUS"),
    military("MERIDIAN", "RUS"),
    civil("GONETS", "RUS"),
    civil("RASSVET", "RUS"),
    civil("EXPRESS", "RUS"),
    civil("YAMAL", "RUS"),
    civil("METEOR", "RUS"),
    civil("ELEKTRO", "RUS"),
    civil("LUCH", "RUS"),
    // China.
    military("YAOGAN", "CHN"),
    military("SHIJIAN", "CHN"),
    military("SJ", "CHN"),
    military("TJS", "CHN"),
    military("SHIYAN", "CHN"),
    military("BEIDOU", "CHN"),
    military("CHUANGXIN", "CHN"),
    civil("QIANFAN", "CHN"),
    civil("HULIANWANG", "CHN"),
    civil("GUOWANG", "CHN"),
    civil("JILIN", "CHN"),
    civil("GAOFEN", "CHN"),
    civil("TIANQI", "CHN"),
    civil("TIANMU", "CHN"),
    civil("ZHONGXING", "CHN"),
    civil("YUNHAI", "CHN"),
    civil("FENGYUN", "CHN"),
    civil("HAIYANG", "CHN"),
    civil("SUPERVIEW", "CHN"),
    civil("TIANHUI", "CHN"),
    civil("TIANLIAN", "CHN"),
    civil("CENTISPACE", "CHN"),
    civil("GEESAT", "CHN"),
    civil("CSS", "CHN"),
    civil("TIANHE", "CHN"),
    civil("WENTIAN", "CHN"),
    civil("MENGTIAN", "CHN"),
    civil("SHENZHOU", "CHN"),
    civil("TIANZHOU", "CHN"),
    civil("APSTAR", "CHN"),
    civil("CHINASAT", "CHN"),
    // Europe.
    civil("ONEWEB", "GBR"),
    civil("INMARSAT", "GBR"),
    military("SKYNET", "GBR"),
    civil("EUTELSAT", "FRA"),
    civil("PLEIADES", "FRA"),
    military("CSO", "FRA"),
    military("SYRACUSE", "FRA"),
    military("HELIOS", "FRA"),
    military("CERES", "FRA"),
    civil("KINEIS", "FRA"),
    civil("TERRASAR", "DEU"),
    civil("TANDEM", "DEU"),
    military("SARAH", "DEU"),
    military("SAR-LUPE", "DEU"),
    military("SATCOMBW", "DEU"),
    civil("COSMO-SKYMED", "ITA"),
    military("SICRAL", "ITA"),
    civil("IRIDE", "ITA"),
    civil("HISPASAT", "ESP"),
    military("SPAINSAT", "ESP"),
    military("PAZ", "ESP"),
    civil("ICEYE", "FIN"),
    civil("NORSAT", "NOR"),
    civil("SES", "LUX"),
    civil("ASTRA", "LUX"),
    civil("SENTINEL", "EU"),
    civil("GALILEO", "EU"),
    civil("GSAT0", "EU"),
    civil("METEOSAT", "EU"),
    civil("METOP", "EU"),
    civil("PROBA", "EU"),
    // Asia-Pacific and the Americas.
    civil("HIMAWARI", "JPN"),
    civil("QZS", "JPN"),
    civil("MICHIBIKI", "JPN"),
    civil("ALOS", "JPN"),
    civil("GCOM", "JPN"),
    civil("GOSAT", "JPN"),
    civil("JCSAT", "JPN"),
    civil("BSAT", "JPN"),
    civil("QPS", "JPN"),
    civil("STRIX", "JPN"),
    civil("AXELSPACE", "JPN"),
    civil("GRUS", "JPN"),
    military("IGS", "JPN"),
    military("DSN", "JPN"),
    civil("KOMPSAT", "KOR"),
    civil("KOREASAT", "KOR"),
    military("ANASIS", "KOR"),
    civil("OPTUS", "AUS"),
    civil("RADARSAT", "CAN"),
    military("SAPPHIRE", "CAN"),
    civil("NEOSSAT", "CAN"),
    civil("THEOS", "THA"),
    civil("THAICHOTE", "THA"),
    military("OFEQ", "ISR"),
    military("OFEK", "ISR"),
    civil("AMOS", "ISR"),
    civil("EROS", "ISR"),
    civil("AMAZONIA", "BRA"),
    military("SGDC", "BRA"),
    civil("FACSAT", "COL"),
    civil("PERUSAT", "PER"),
    civil("GSAT", "IND"),
    civil("CARTOSAT", "IND"),
    civil("IRNSS", "IND"),
    civil("INTELSAT", "INT"),
];

/// The rule that names `name`'s owner, if any: the first whose prefix the upper-cased name starts
/// with, followed by the end of the name or a character that is not a letter (so `SES` names
/// `SES-17` but not `SESAT`).
pub fn infer(name: &str) -> Option<&'static Rule> {
    let n = name.trim().to_ascii_uppercase();
    RULES.iter().find(|r| {
        n.strip_prefix(r.prefix)
            .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_ascii_alphabetic()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_matched_on_a_whole_word_prefix() {
        let owner = |n: &str| infer(n).map(|r| (r.owner, r.military));
        assert_eq!(owner("STARLINK-1007"), Some(("USA", false)));
        assert_eq!(owner("USA 245"), Some(("USA", true)));
        assert_eq!(owner("NAVSTAR 81 (USA 319)"), Some(("USA", true)));
        assert_eq!(owner("COSMOS 2542"), Some(("RUS", true)));
        assert_eq!(owner("YAOGAN-30 F"), Some(("CHN", true)));
        assert_eq!(owner("SJ-21"), Some(("CHN", true)));
        assert_eq!(owner("CSO-3"), Some(("FRA", true)));
        assert_eq!(owner("HIMAWARI-9"), Some(("JPN", false)));
        assert_eq!(owner("GSAT0219 (GALILEO 23)"), Some(("EU", false)));
        assert_eq!(owner("GSAT-30"), Some(("IND", false)));
        assert_eq!(owner("SES-17"), Some(("LUX", false)));
        // Whole words only.
        assert_eq!(owner("SESAT"), None);
        assert_eq!(owner("USAT-1"), None);
        assert_eq!(owner("ISS (ZARYA)"), None);
    }

    #[test]
    fn no_rule_hides_a_later_one() {
        // A rule whose prefix is a whole-word prefix of a later rule's would shadow it.
        for (i, a) in RULES.iter().enumerate() {
            for b in &RULES[i + 1..] {
                let shadows = b
                    .prefix
                    .strip_prefix(a.prefix)
                    .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_ascii_alphabetic()));
                assert!(!shadows, "{} hides {}", a.prefix, b.prefix);
            }
        }
    }
}
