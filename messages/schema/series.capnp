# Series wire schema: label sets with samples. Shared by write batches
# (ingest.capnp) and select answers (query.capnp).
# Rule: fields are only ever added; ordinals are never reused.
@0xd57d3699164cb5bf;

struct Label {
  name @0 :Text;
  value @1 :Text;
}

struct Series {
  labels @0 :List(Label);       # sorted by name, unique names
  timestamps @1 :List(Int64);   # ms since epoch, ascending
  values @2 :List(Float64);     # same length as timestamps; raw IEEE bits (NaN payloads kept)
}

# A set of series: a write batch (router -> shard) or a select answer
# (shard -> query actor).
struct SeriesSet {
  version @0 :UInt8 = 1;
  series @1 :List(Series);
}
