//! Resource limits on input, in one place. Every input, however hostile, is refused with a clear
//! error at one of these limits rather than exhausting memory or hanging. They are generous: the
//! full public catalog (about 26,000 objects in TLE, OMM JSON, CSV, KVN or XML) is well inside
//! them. docs/scenario-reference.md lists them for users.

/// Largest input file (scenario, catalog file, change file), bytes: 256 MiB. The full catalog is
/// about 5 MB as TLE and about 60 MB as OMM XML.
pub const MAX_INPUT_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// Largest `manifest.json` of a run directory, bytes (a manifest is a few kB).
pub const MAX_MANIFEST_BYTES: u64 = 16 * 1024 * 1024;
/// Largest conjunction data message read, bytes (a CDM is a few KB; with every optional block, tens).
pub const MAX_CDM_BYTES: u64 = 1024 * 1024;
/// Most catalog objects in a scenario (catalog files and inline TLEs together).
pub const MAX_OBJECTS: usize = 500_000;
/// Most nations in a scenario.
pub const MAX_NATIONS: usize = 1_000;
/// Most sensors a scenario may have (sensor indices are 16-bit).
pub const MAX_SENSORS: usize = u16::MAX as usize;
/// Most members of one regional center. Each ordered pair of members is an agreement of the run
/// (256 members: 65,280 agreements, about 60 MB); real centers have tens.
pub const MAX_CENTER_MEMBERS: usize = 256;
/// Most injects in a scenario.
pub const MAX_INJECTS: usize = 100_000;
/// Most regional centers, agreements, liaisons and tasking requests, each.
pub const MAX_EXCHANGE_ITEMS: usize = 100_000;
/// Most fragments one breakup inject may create.
pub const MAX_FRAGMENTS: u32 = 2_000;
/// Tentative catalog entries (initial orbits of uncorrelated tracks awaiting confirmation) a
/// nation holds at once; further uncorrelated tracks start none until some are catalogued.
pub const MAX_TENTATIVE_ENTRIES: usize = 10_000;
/// Deepest nesting of RON values (lists, tuples, structs) in a scenario or change file.
pub const MAX_RON_DEPTH: usize = 64;
/// Longest tick, seconds (31 days).
pub const MAX_TICK_S: u32 = 31 * 86_400;
/// Longest run, seconds (ten years).
pub const MAX_DURATION_S: u64 = 10 * 366 * 86_400;
/// Longest user value echoed in an error message, characters; longer ones are cut and their size given.
pub const MAX_ECHO_CHARS: usize = 80;
