//! `sentinel broadcast RUN_DIR --dis HOST:PORT`: a recorded run's truth as DIS v7 (IEEE 1278.1-2012)
//! Entity State PDUs over UDP, paced by wall clock at `--speed` simulated seconds per second.
//!
//! The positions come from re-simulating the run ([`Resim`]), checked tick by tick against the run's
//! hash chain, so only the run's own truth can be sent. Nothing is read back: DIS is output only, the
//! socket is never read, and the run directory is opened read-only. Pacing happens here, between
//! samples, never in the engine.
//!
//! Field mapping (also in the README, "DIS"):
//! - header: protocol version 7, exercise `--exercise`, PDU type 1 (Entity State), family 1, PDU
//!   status 0; timestamp *absolute* (bit 0 = 1), the simulated UTC time past the hour in units of
//!   3600 s / 2^31 (the sample's scenario time, not the wall clock).
//! - entity id: (site `--site`, default [`SITE`]; application [`APPLICATION`] + k; entity e) with
//!   catalog number n = 65533 k + e, e in 1..=65533: objects 1-65533 are (site, 1, n).
//! - entity type: kind 1 (Platform), domain 5 (Space), country from the owner nation when its id is
//!   an ISO 3166 alpha-3 code known to SISO-REF-010 (else 0, Other), category 11 (satellite), 3
//!   (booster: rocket bodies), 10 (debris) or 0 (unknown); the alternative type is the same.
//! - force 0 (Other), appearance 0, capabilities 0, orientation zero, no variable parameters.
//! - location: Earth-fixed (WGS-84 ECEF) metres; linear velocity: Earth-fixed m/s (relative to the
//!   rotating Earth); dead reckoning FVW (5) with the two-body gravity acceleration in the
//!   Earth-fixed frame (Coriolis and centrifugal terms included).
//! - marking: ASCII, the object's name cut to 11 characters (the catalog number when unnamed),
//!   padded with NUL bytes.

use std::collections::{BTreeSet, HashMap};
use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::BytesMut;
use clap::Args;
use dis_rs::BodyRaw;
use dis_rs::entity_state::model::{DrParameters, EntityMarking, EntityState};
use dis_rs::enumerations::{Country, DeadReckoningAlgorithm, EntityKind, PduType, PlatformDomain};
use dis_rs::model::{EntityId, EntityType, Location, Orientation, Pdu, PduHeader, TimeUnits, Timestamp, VectorF32};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sentinel_engine::{ObjectClass, StateVector, Tick};

use crate::truth::Resim;

/// Default DIS site number of the entities sentinel sends.
pub const SITE: u16 = 1;
/// DIS application number of catalog numbers 1-65533 (higher ones use the next numbers).
pub const APPLICATION: u16 = 1;
/// Entity numbers per application: 1..=65533 (0, 65534 and 65535 are reserved by DIS).
const ENTITIES_PER_APPLICATION: u32 = 65_533;
/// Earth's gravitational parameter, m³/s² (WGS-84).
const MU_M3_S2: f64 = 3.986_004_418e14;

/// Arguments of `sentinel broadcast`.
#[derive(Args, Debug)]
pub struct BroadcastArgs {
    /// A run directory written by `sentinel run` (read only).
    pub run_dir: PathBuf,
    /// Destination HOST:PORT (unicast, or a broadcast address such as 192.168.1.255:3000).
    #[arg(long, value_name = "HOST:PORT")]
    pub dis: String,
    /// Simulated seconds per wall-clock second (0: as fast as possible).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Send without sleeping (same as `--speed 0`).
    #[arg(long)]
    pub as_fast_as_possible: bool,
    /// Catalog numbers to send (comma separated); default: every object detected in the run.
    #[arg(long, value_delimiter = ',', value_name = "N,N,...")]
    pub objects: Vec<u32>,
    /// At most this many objects (the lowest catalog numbers of the selection).
    #[arg(long, value_name = "N")]
    pub max_objects: Option<usize>,
    /// Seconds of simulated time between two PDUs of an object (rounded to whole ticks, at least one).
    #[arg(long, default_value_t = 60.0, value_name = "S")]
    pub step_s: f64,
    /// DIS exercise id.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..))]
    pub exercise: u8,
    /// DIS site number of the entities.
    #[arg(long, default_value_t = SITE)]
    pub site: u16,
    /// The scenario file, when it is no longer at the path recorded in the manifest.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Worker threads of the re-simulation (results do not depend on it).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Suppress the progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// One object being sent.
struct Entity {
    object: u32,
    id: EntityId,
    kind: EntityType,
    marking: String,
}

/// Runs the command.
pub fn broadcast(args: BroadcastArgs) -> anyhow::Result<ExitCode> {
    if !args.speed.is_finite() || args.speed < 0.0 {
        bail!("--speed must be a number of simulated seconds per wall second, 0 or more");
    }
    if !args.step_s.is_finite() || args.step_s <= 0.0 {
        bail!("--step-s must be positive");
    }
    let speed = if args.as_fast_as_possible { 0.0 } else { args.speed };
    let dest = resolve(&args.dis)?;
    let socket = open_socket(&dest)?;

    let mut resim = Resim::open(&args.run_dir, args.scenario.as_deref(), Resim::threads(args.threads))?;
    let clock = resim.sim().clock().clone();

    let mut objects: BTreeSet<u32> = if args.objects.is_empty() {
        crate::export::log::detected_objects(&args.run_dir.join("events.jsonl"))?
    } else {
        args.objects.iter().copied().collect()
    };
    if let Some(unknown) = objects.iter().find(|&&o| resim.sim().object_info(o).is_none()) {
        bail!("object {unknown} is not in the run's scenario");
    }
    if let Some(max) = args.max_objects {
        objects = objects.into_iter().take(max).collect();
    }
    let countries = countries();
    let entities = objects
        .iter()
        .map(|&object| {
            let info = resim.sim().object_info(object).expect("checked above");
            let country = info
                .owner
                .as_deref()
                .and_then(|o| countries.get(o).copied())
                .unwrap_or(Country::Other);
            Ok(Entity {
                object,
                id: entity_id(args.site, object)
                    .with_context(|| format!("catalog number {object} has no DIS entity id"))?,
                kind: EntityType::default()
                    .with_kind(EntityKind::Platform)
                    .with_domain(PlatformDomain::Space)
                    .with_country(country)
                    .with_category(category(info.class)),
                marking: marking(&info.name, object),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let step_ticks = ((args.step_s / f64::from(clock.tick_s)).round() as u64).max(1);
    let samples = clock.ticks.div_ceil(step_ticks);
    eprintln!(
        "sentinel: broadcasting `{}` (seed {}) to {dest} as DIS 7 Entity State PDUs: {} object(s), every {} s of simulated time ({samples} samples), exercise {}, site {}, {}",
        resim.scenario.name,
        resim.seed,
        entities.len(),
        step_ticks * u64::from(clock.tick_s),
        args.exercise,
        args.site,
        if speed == 0.0 {
            "as fast as possible".to_string()
        } else {
            format!("{speed}x real time")
        }
    );

    let bar = if args.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(clock.ticks), ProgressDrawTarget::hidden())
    } else {
        let b = ProgressBar::new(clock.ticks);
        b.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} tick {pos}/{len} {msg}")
                .expect("valid template"),
        );
        b
    };
    let start = Instant::now();
    let mut behind = Duration::ZERO;
    let (mut sent, mut sent_samples, mut bytes_sent) = (0u64, 0u64, 0u64);
    let mut buf = BytesMut::with_capacity(1024);
    while let Some(tick) = resim.step()? {
        if tick.0.is_multiple_of(64) {
            bar.set_position(tick.0);
        }
        if !tick.0.is_multiple_of(step_ticks) {
            continue;
        }
        if speed > 0.0 {
            let due = start + Duration::from_secs_f64(clock.seconds_since_epoch(tick) as f64 / speed);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            } else {
                behind = behind.max(now - due);
            }
        }
        let timestamp = timestamp(&clock, tick);
        for e in &entities {
            let Some(state) = resim.state(e.object) else {
                continue; // not launched yet, or lost
            };
            let pdu = entity_state(e, &state, args.exercise, timestamp);
            buf.clear();
            pdu.serialize(&mut buf)
                .map_err(|err| anyhow::anyhow!("cannot encode the PDU of {}: {err:?}", e.object))?;
            socket
                .send_to(&buf, dest)
                .with_context(|| format!("cannot send to {dest}"))?;
            sent += 1;
            bytes_sent += buf.len() as u64;
        }
        sent_samples += 1;
        bar.set_message(format!("{sent} PDUs"));
    }
    bar.finish_and_clear();
    if behind > Duration::from_millis(500) {
        eprintln!(
            "sentinel: warning: the re-simulation fell up to {:.1} s behind the requested pace; lower --speed",
            behind.as_secs_f64()
        );
    }
    println!(
        "sentinel: sent {sent} DIS Entity State PDUs ({} object(s) x {sent_samples} samples, {bytes_sent} bytes) to {dest} in {:.2} s wall; seed {}",
        entities.len(),
        start.elapsed().as_secs_f64(),
        resim.seed
    );
    Ok(ExitCode::SUCCESS)
}

/// The first address HOST:PORT resolves to.
fn resolve(text: &str) -> anyhow::Result<SocketAddr> {
    text.to_socket_addrs()
        .with_context(|| format!("--dis {text}: expected HOST:PORT"))?
        .next()
        .with_context(|| format!("--dis {text}: the host has no address"))
}

/// A UDP socket for `dest`, allowed to broadcast when `dest` looks like a broadcast address
/// (255.255.255.255 or an IPv4 address ending in .255).
fn open_socket(dest: &SocketAddr) -> anyhow::Result<UdpSocket> {
    let local: SocketAddr = match dest {
        SocketAddr::V4(_) => "0.0.0.0:0".parse().expect("valid"),
        SocketAddr::V6(_) => "[::]:0".parse().expect("valid"),
    };
    let socket = UdpSocket::bind(local).context("cannot open a UDP socket")?;
    if let IpAddr::V4(ip) = dest.ip()
        && (ip.is_broadcast() || ip.octets()[3] == 255)
    {
        socket
            .set_broadcast(true)
            .with_context(|| format!("cannot broadcast to {dest}"))?;
    }
    Ok(socket)
}

/// The DIS entity id of a catalog number: (site, APPLICATION + k, e) with n = 65533 k + e.
fn entity_id(site: u16, object: u32) -> Option<EntityId> {
    let n = object.checked_sub(1)?;
    let application = u32::from(APPLICATION) + n / ENTITIES_PER_APPLICATION;
    let entity = n % ENTITIES_PER_APPLICATION + 1;
    Some(EntityId::new(
        site,
        u16::try_from(application).ok().filter(|&a| a < 0xFFFE)?,
        u16::try_from(entity).ok()?,
    ))
}

/// SISO-REF-010 space platform category of an object class.
fn category(class: ObjectClass) -> u8 {
    match class {
        ObjectClass::Payload => 11,   // Satellite - Unknown/Unspecified Mission
        ObjectClass::RocketBody => 3, // Booster
        ObjectClass::Debris => 10,    // Debris
        ObjectClass::Unknown => 0,    // Other
    }
}

/// DIS countries by ISO 3166 alpha-3 code, from dis-rs's SISO-REF-010 names ("Japan (JPN)").
fn countries() -> HashMap<String, Country> {
    let mut map = HashMap::new();
    for code in 1..=1000u16 {
        let country = Country::from(code);
        let name = country.to_string();
        if let Some(iso) = name
            .strip_suffix(')')
            .and_then(|s| s.rsplit_once('('))
            .map(|(_, iso)| iso)
            && iso.len() == 3
            && iso.bytes().all(|b| b.is_ascii_uppercase())
        {
            map.entry(iso.to_string()).or_insert(country);
        }
    }
    map
}

/// At most 11 printable ASCII characters of the name (others become `?`), trailing blanks removed;
/// the catalog number when the name is empty.
fn marking(name: &str, object: u32) -> String {
    let text: String = name
        .trim()
        .chars()
        .take(11)
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' })
        .collect();
    let text = text.trim_end();
    if text.is_empty() {
        object.to_string()
    } else {
        text.to_string()
    }
}

/// Absolute DIS timestamp of a tick's simulated UTC time: time units (3600 s / 2^31) past the hour.
fn timestamp(clock: &sentinel_engine::Clock, tick: Tick) -> Timestamp {
    let t = clock.time_of(tick).and_utc();
    let ns = t.timestamp().rem_euclid(3600) as u128 * 1_000_000_000 + u128::from(t.timestamp_subsec_nanos());
    let units = (ns * (1u128 << 31) + 1_800_000_000_000) / 3_600_000_000_000;
    Timestamp::Absolute(TimeUnits::new(units as u32).unwrap_or(TimeUnits::MAX))
}

/// The Entity State PDU of one object at one sample.
fn entity_state(e: &Entity, s: &StateVector, exercise: u8, timestamp: Timestamp) -> Pdu {
    let r = s.ecef_km.map(|x| x * 1000.0);
    let v = s.ecef_vel_km_s.map(|x| x * 1000.0);
    let a = ecef_gravity(r, v);
    // Pad with NUL (dis-rs pads a shorter marking with blanks).
    let mut marking = e.marking.clone();
    while marking.len() < 11 {
        marking.push('\0');
    }
    let body = EntityState::builder()
        .with_entity_id(e.id)
        .with_entity_type(e.kind)
        .with_alternative_entity_type(e.kind)
        .with_location(Location::new(r[0], r[1], r[2]))
        .with_velocity(VectorF32::new(v[0] as f32, v[1] as f32, v[2] as f32))
        .with_orientation(Orientation::new(0.0, 0.0, 0.0))
        .with_dead_reckoning_parameters(
            DrParameters::default()
                .with_algorithm(DeadReckoningAlgorithm::DRM_FVW_HighSpeedOrManeuveringEntity)
                .with_linear_acceleration(VectorF32::new(a[0] as f32, a[1] as f32, a[2] as f32)),
        )
        .with_marking(EntityMarking::new_ascii(marking))
        .build()
        .into_pdu_body();
    Pdu::finalize_from_parts(PduHeader::new_v7(exercise, PduType::EntityState), body, timestamp)
}

/// Two-body gravity seen in the Earth-fixed frame: -mu r/|r|³ - 2 w x v - w x (w x r), m/s².
fn ecef_gravity(r: [f64; 3], v: [f64; 3]) -> [f64; 3] {
    let w = sentinel_engine::frames::EARTH_RATE_RAD_S;
    let d = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
    let g = -MU_M3_S2 / (d * d * d);
    [
        g * r[0] + 2.0 * w * v[1] + w * w * r[0],
        g * r[1] - 2.0 * w * v[0] + w * w * r[1],
        g * r[2],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_ids_cover_catalog_numbers() {
        let id = |n| {
            let e = entity_id(7, n).unwrap();
            (
                e.simulation_address.site_id,
                e.simulation_address.application_id,
                e.entity_id,
            )
        };
        assert_eq!(id(1), (7, 1, 1));
        assert_eq!(id(25544), (7, 1, 25544));
        assert_eq!(id(65533), (7, 1, 65533));
        assert_eq!(id(65534), (7, 2, 1));
        assert_eq!(id(66052), (7, 2, 519));
        assert_eq!(id(339_999), (7, 6, 12_334)); // 339999 = 5 * 65533 + 12334
        assert!(entity_id(7, 0).is_none());
    }

    #[test]
    fn countries_come_from_siso_names() {
        let c = countries();
        assert_eq!(u16::from(c["USA"]), 225);
        assert_eq!(u16::from(c["JPN"]), 110);
    }

    #[test]
    fn markings_are_short_ascii() {
        assert_eq!(marking("ISS (ZARYA)", 25544), "ISS (ZARYA)");
        assert_eq!(marking("INMARSAT 3-F2", 24307), "INMARSAT 3-");
        assert_eq!(marking("A B         C", 1), "A B");
        assert_eq!(marking("  ", 42), "42");
        assert_eq!(marking("Ørsted", 25635), "?rsted");
    }

    #[test]
    fn timestamps_are_absolute_past_the_hour() {
        let clock = sentinel_engine::Clock {
            epoch: sentinel_engine::time::parse_utc("2026-05-30T12:00:00Z").unwrap(),
            tick_s: 10,
            ticks: 1000,
        };
        let t = timestamp(&clock, Tick(0));
        assert_eq!(t, Timestamp::Absolute(TimeUnits::ZERO));
        // 30 minutes past the hour is half the range; the hour wraps.
        assert_eq!(timestamp(&clock, Tick(180)).time_units().inner(), 1 << 30);
        assert_eq!(timestamp(&clock, Tick(360)), t);
        assert_eq!(timestamp(&clock, Tick(180)).to_u32() & 1, 1);
    }
}
