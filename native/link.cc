#include "link.h"

#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kinds/fields.h"
#include "registry.h"

namespace vnic {
namespace {

// Generic numeric attributes, sent on add/set and read back on get/list.
const Field kLinkFields[] = {
    {"mtu", IFLA_MTU, Width::kU32},
    {"txqueuelen", IFLA_TXQLEN, Width::kU32},
    {"link", IFLA_LINK, Width::kU32},
    {"master", IFLA_MASTER, Width::kU32},
    {"group", IFLA_GROUP, Width::kU32},
    {"netnsPid", IFLA_NET_NS_PID, Width::kU32},
    {"netnsFd", IFLA_NET_NS_FD, Width::kU32},
    {"targetNetnsId", IFLA_TARGET_NETNSID, Width::kS32},
    {"extMask", IFLA_EXT_MASK, Width::kU32},
    {"numTxQueues", IFLA_NUM_TX_QUEUES, Width::kU32},
    {"numRxQueues", IFLA_NUM_RX_QUEUES, Width::kU32},
    {"minMtu", IFLA_MIN_MTU, Width::kU32, true},
    {"maxMtu", IFLA_MAX_MTU, Width::kU32, true},
    {"promiscuity", IFLA_PROMISCUITY, Width::kU32, true},
    {"linkNetnsId", IFLA_LINK_NETNSID, Width::kS32},
    {"newNetnsId", IFLA_NEW_NETNSID, Width::kS32, true},
    {"newIndex", IFLA_NEW_IFINDEX, Width::kS32, true},
    {"carrierChanges", IFLA_CARRIER_CHANGES, Width::kU32, true},
};

const char* const kIflaNames[] = {
    nullptr, "IFLA_ADDRESS", "IFLA_BROADCAST", "IFLA_IFNAME", "IFLA_MTU", "IFLA_LINK",
    "IFLA_QDISC", "IFLA_STATS", "IFLA_COST", "IFLA_PRIORITY", "IFLA_MASTER", "IFLA_WIRELESS",
    "IFLA_PROTINFO", "IFLA_TXQLEN", "IFLA_MAP", "IFLA_WEIGHT", "IFLA_OPERSTATE", "IFLA_LINKMODE",
    "IFLA_LINKINFO", "IFLA_NET_NS_PID", "IFLA_IFALIAS", "IFLA_NUM_VF", "IFLA_VFINFO_LIST",
    "IFLA_STATS64", "IFLA_VF_PORTS", "IFLA_PORT_SELF", "IFLA_AF_SPEC", "IFLA_GROUP",
    "IFLA_NET_NS_FD", "IFLA_EXT_MASK", "IFLA_PROMISCUITY", "IFLA_NUM_TX_QUEUES",
    "IFLA_NUM_RX_QUEUES", "IFLA_CARRIER", "IFLA_PHYS_PORT_ID", "IFLA_CARRIER_CHANGES",
    "IFLA_PHYS_SWITCH_ID", "IFLA_LINK_NETNSID", "IFLA_PHYS_PORT_NAME", "IFLA_PROTO_DOWN",
    "IFLA_GSO_MAX_SEGS", "IFLA_GSO_MAX_SIZE", "IFLA_PAD", "IFLA_XDP", "IFLA_EVENT",
    "IFLA_NEW_NETNSID", "IFLA_TARGET_NETNSID", "IFLA_CARRIER_UP_COUNT",
    "IFLA_CARRIER_DOWN_COUNT", "IFLA_NEW_IFINDEX", "IFLA_MIN_MTU", "IFLA_MAX_MTU",
    "IFLA_PROP_LIST", "IFLA_ALT_IFNAME", "IFLA_PERM_ADDRESS"};
const AttrNames kIflaTable{kIflaNames, sizeof kIflaNames / sizeof *kIflaNames};

const char* const kInfoNames[] = {nullptr, "IFLA_INFO_KIND", "IFLA_INFO_DATA", "IFLA_INFO_XSTATS",
                                  "IFLA_INFO_SLAVE_KIND", "IFLA_INFO_SLAVE_DATA"};
const AttrNames kInfoTable{kInfoNames, sizeof kInfoNames / sizeof *kInfoNames};

const NamedValue kOperStates[] = {
    {"unknown", IF_OPER_UNKNOWN}, {"notpresent", IF_OPER_NOTPRESENT}, {"down", IF_OPER_DOWN},
    {"lowerlayerdown", IF_OPER_LOWERLAYERDOWN}, {"testing", IF_OPER_TESTING},
    {"dormant", IF_OPER_DORMANT}, {"up", IF_OPER_UP}};

// struct rtnl_link_stats64, in order; kernels append fields (184, 192, 200 bytes …).
const char* const kStatNames[] = {
    "rxPackets", "txPackets", "rxBytes", "txBytes", "rxErrors", "txErrors", "rxDropped",
    "txDropped", "multicast", "collisions", "rxLengthErrors", "rxOverErrors", "rxCrcErrors",
    "rxFrameErrors", "rxFifoErrors", "rxMissedErrors", "txAbortedErrors", "txCarrierErrors",
    "txFifoErrors", "txHeartbeatErrors", "txWindowErrors", "rxCompressed", "txCompressed",
    "rxNohandler", "rxOtherhostDropped"};

// Writes IFLA_INFO_KIND + IFLA_INFO_DATA (or the slave pair) from `info`.
void EncodeKindData(MessageWriter& writer, SpecReader& spec, const char* kind_key,
                    const char* info_key, bool slave) {
  auto kind_name = spec.String(kind_key);
  if (!kind_name) return;
  // Without a NUL, as iproute2 sends it; the kernel reads both.
  writer.PutBytes(slave ? IFLA_INFO_SLAVE_KIND : IFLA_INFO_KIND, *kind_name);
  auto info = spec.Object(info_key);
  if (!info) return;
  const LinkKind* kind = FindKind(*kind_name, slave);
  if (kind == nullptr) {
    spec.Fail(info_key, "options of a kind vnic knows (unknown kinds take no options)");
    return;
  }
  nlattr* data = writer.BeginNested(slave ? IFLA_INFO_SLAVE_DATA : IFLA_INFO_DATA);
  SpecReader info_spec(spec.env(), *info);
  kind->encode(writer, info_spec);
  writer.EndNestedOrDrop(data);  // no options: no IFLA_INFO_DATA, as with ip
}

// IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF { IPV4_DEVCONF_<id>: u32 } } } from
// `inetConf` ({ "<id>": value }): the link's own IPv4 settings (what
// /proc/sys/net/ipv4/conf/<link>/ shows), in a set request. A create refuses
// it (EAFNOSUPPORT: the device has no IPv4 state before it is registered).
// The kernel checks each id against IPV4_DEVCONF_MAX (EINVAL otherwise).
// The entries of a nested spec: lib/ flattens it to [key, value, …]; a plain
// object (a caller of the addon's own API) is read by its property names.
std::vector<std::pair<Napi::Value, Napi::Value>> SpecEntries(Napi::Object object) {
  std::vector<std::pair<Napi::Value, Napi::Value>> entries;
  if (object.IsArray()) {
    Napi::Array pairs = object.As<Napi::Array>();
    for (uint32_t i = 0; i + 1 < pairs.Length(); i += 2) entries.emplace_back(pairs.Get(i), pairs.Get(i + 1));
    return entries;
  }
  Napi::Array names = object.GetPropertyNames();
  if (names.IsEmpty()) return entries;  // a pending exception
  for (uint32_t i = 0; i < names.Length(); i++) {
    Napi::Value name = names.Get(i);
    entries.emplace_back(name, object.Get(name));
  }
  return entries;
}

void EncodeInetConf(MessageWriter& writer, SpecReader& spec) {
  auto conf = spec.Object("inetConf");
  if (!conf) return;
  auto entries = SpecEntries(*conf);
  if (!spec.ok()) return;
  nlattr* af_spec = writer.BeginNested(IFLA_AF_SPEC);
  nlattr* inet = writer.BeginNested(AF_INET);
  nlattr* values = writer.BeginNested(IFLA_INET_CONF);
  for (const auto& [name, value] : entries) {
    std::string key = name.IsString() ? name.As<Napi::String>().Utf8Value() : std::string();
    char* end = nullptr;
    unsigned long id = std::strtoul(key.c_str(), &end, 10);
    if (key.empty() || *end != '\0' || id == 0 || id > 0xffff || value.IsEmpty() || !value.IsNumber()) {
      spec.Fail("inetConf", "an object of IPV4_DEVCONF ids (1, 2, …) to unsigned 32-bit values");
      return;
    }
    double number = value.As<Napi::Number>().DoubleValue();
    if (!(number >= 0 && number <= 4294967295.0) || std::floor(number) != number) {  // NaN fails the first test
      spec.Fail("inetConf", "an object of IPV4_DEVCONF ids (1, 2, …) to unsigned 32-bit values");
      return;
    }
    writer.PutU32(static_cast<uint16_t>(id), static_cast<uint32_t>(number));
  }
  writer.EndNested(values);
  writer.EndNested(inet);
  writer.EndNested(af_spec);
}

void EncodeLinkInfo(MessageWriter& writer, SpecReader& spec) {
  if (!spec.Has("kind") && !spec.Has("slaveKind")) return;
  nlattr* linkinfo = writer.BeginNested(IFLA_LINKINFO);
  EncodeKindData(writer, spec, "kind", "info", false);
  EncodeKindData(writer, spec, "slaveKind", "slaveInfo", true);
  writer.EndNested(linkinfo);
}

void EncodeLink(MessageWriter& writer, SpecReader& spec) {
  EncodeLinkBody(writer, spec);
  // Gets and dumps only: what the engine does with the replies.
  writer.name_links = writer.header()->nlmsg_type == RTM_GETLINK && spec.Bool("nameLinks").value_or(false);
  if (spec.Bool("echo").value_or(false)) writer.header()->nlmsg_flags |= NLM_F_ECHO;
  // Unregistering a device or moving it to another namespace waits for the
  // kernel (RCU grace periods, ~20 ms): such requests leave from a worker.
  const nlmsghdr* nlh = writer.header();
  bool unregisters = nlh->nlmsg_type == RTM_DELLINK;
  bool moves = nlh->nlmsg_type == RTM_NEWLINK && !(nlh->nlmsg_flags & NLM_F_CREATE) &&
               (spec.Has("netnsFd") || spec.Has("netnsPid"));
  writer.slow = unregisters || moves;
  writer.heavy = nlh->nlmsg_type == RTM_NEWLINK && (nlh->nlmsg_flags & NLM_F_CREATE);
}

void DecodeStats(ValueWriter& out, const uint8_t* data, size_t len) {
  out.BeginObject("stats");
  size_t count = std::min(len / sizeof(uint64_t), sizeof kStatNames / sizeof *kStatNames);
  for (size_t i = 0; i < count; i++) {
    uint64_t value;
    std::memcpy(&value, data + i * sizeof value, sizeof value);
    out.Number(kStatNames[i], static_cast<double>(value));
  }
  out.EndObject();
}

// IFLA_INFO_DATA (or the slave data) as `info` / `slaveInfo`: decoded by the
// kind's codec, or handed back undecoded for a kind we have no codec for.
void DecodeKindData(ValueWriter& out, const AttrTable& info, const AttrTable& link, const std::string& kind_name,
                    bool slave) {
  const nlattr* data = info.Get(slave ? IFLA_INFO_SLAVE_DATA : IFLA_INFO_DATA);
  const LinkKind* kind = FindKind(kind_name, slave);
  const char* key = slave ? "slaveInfo" : "info";
  if (kind != nullptr) {
    out.BeginObject(key);
    kind->decode(out, data, link);
    out.EndObject();
  } else if (data != nullptr) {
    out.BeginObject(key);
    out.BeginArray("raw");
    ForEachNested(data, [&](const nlattr* attr) {
      out.BeginObject(nullptr);
      out.Number("type", mnl_attr_get_type(attr));
      out.Bytes("data", static_cast<const uint8_t*>(mnl_attr_get_payload(attr)), mnl_attr_get_payload_len(attr));
      out.EndObject();
    });
    out.EndArray();
    out.EndObject();
  }
}

// ifindex → name, from the links of one dump (views into its buffer); a link
// without a name maps to nullopt, as the last of an index wins.
using LinkNames = std::unordered_map<int64_t, std::optional<std::string_view>>;

void DecodeLinkNamed(ValueWriter& out, const nlmsghdr* nlh, const LinkNames* names) {
  const auto* ifi = FamilyHeader<ifinfomsg>(nlh);
  if (ifi == nullptr) return out.Null(nullptr);
  AttrTable attrs = AttrsAfterHeader<ifinfomsg>(nlh, IFLA_MAX + 16);
  AttrTable info(attrs.Get(IFLA_LINKINFO), IFLA_INFO_MAX);
  std::string kind, slave_kind;
  bool has_kind = info.Str(IFLA_INFO_KIND, &kind);
  bool has_slave_kind = info.Str(IFLA_INFO_SLAVE_KIND, &slave_kind);
  out.BeginObject(nullptr);
  out.Number("index", ifi->ifi_index);
  std::string text;
  std::string_view name;
  if (attrs.Str(IFLA_IFNAME, &name)) out.String("name", name);
  // Always present, third: null for devices without a kind (lo, physical NICs).
  if (has_kind) {
    out.String("kind", kind);
  } else {
    out.Null("kind");
  }
  const uint8_t* bytes;
  size_t len;
  char mac[3 * kShortHex];
  std::string spill;
  if (attrs.Bytes(IFLA_ADDRESS, &bytes, &len)) out.String("address", FormatHardwareAddress(bytes, len, mac, &spill));
  if (attrs.Bytes(IFLA_BROADCAST, &bytes, &len)) {
    out.String("broadcast", FormatHardwareAddress(bytes, len, mac, &spill));
  }
  if (attrs.Bytes(IFLA_PERM_ADDRESS, &bytes, &len)) {
    out.String("permAddress", FormatHardwareAddress(bytes, len, mac, &spill));
  }
  out.Number("type", ifi->ifi_type);
  out.Number("flags", ifi->ifi_flags);
  out.Bool("up", ifi->ifi_flags & IFF_UP);
  out.Bool("lowerUp", ifi->ifi_flags & IFF_LOWER_UP);
  out.Bool("promisc", ifi->ifi_flags & IFF_PROMISC);
  out.Bool("allmulticast", ifi->ifi_flags & IFF_ALLMULTI);
  out.Bool("noarp", ifi->ifi_flags & IFF_NOARP);
  uint8_t operstate;
  if (attrs.U8(IFLA_OPERSTATE, &operstate)) WriteName(out, "operstate", kOperStates, operstate);
  DecodeFields(out, attrs, kLinkFields);
  if (attrs.Str(IFLA_IFALIAS, &text)) out.String("alias", text);
  if (attrs.Str(IFLA_QDISC, &text)) out.String("qdisc", text);
  uint8_t carrier;
  if (attrs.U8(IFLA_CARRIER, &carrier)) out.Bool("carrier", carrier != 0);
  if (attrs.Bytes(IFLA_STATS64, &bytes, &len)) DecodeStats(out, bytes, len);
  if (has_kind) DecodeKindData(out, info, attrs, kind, false);
  if (has_slave_kind) {
    out.String("slaveKind", slave_kind);
    DecodeKindData(out, info, attrs, slave_kind, true);
  }
  if (names != nullptr) {
    uint32_t index;
    int32_t netns;
    LinkNames::const_iterator found;
    if (attrs.U32(IFLA_LINK, &index) && !attrs.S32(IFLA_LINK_NETNSID, &netns) &&
        (found = names->find(index)) != names->end() && found->second) {
      out.String("linkName", *found->second);
    }
    if (attrs.U32(IFLA_MASTER, &index) && (found = names->find(index)) != names->end() && found->second) {
      out.String("masterName", *found->second);
    }
  }
  out.EndObject();
}

void DecodeLink(ValueWriter& out, const nlmsghdr* nlh) { DecodeLinkNamed(out, nlh, nullptr); }

AttrLevel LinkAttrLevel(const std::vector<uint16_t>& path, const nlmsghdr* request) {
  if (path.empty()) return {&kIflaTable, 0};
  if (path.size() == 1 && path[0] == IFLA_LINKINFO) return {&kInfoTable, 0};
  if (path.size() == 2 && path[0] == IFLA_LINKINFO &&
      (path[1] == IFLA_INFO_DATA || path[1] == IFLA_INFO_SLAVE_DATA)) {
    // Find the kind named in this request to name its data attributes.
    const auto* ifi = FamilyHeader<ifinfomsg>(request);
    if (ifi == nullptr) return {nullptr, 0};
    AttrTable top = AttrsAfterHeader<ifinfomsg>(request, IFLA_MAX);
    AttrTable info(top.Get(IFLA_LINKINFO), IFLA_INFO_MAX);
    bool slave = path[1] == IFLA_INFO_SLAVE_DATA;
    std::string name;
    if (!info.Str(slave ? IFLA_INFO_SLAVE_KIND : IFLA_INFO_KIND, &name)) return {nullptr, 0};
    const LinkKind* kind = FindKind(name, slave);
    return {kind != nullptr ? &kind->names : nullptr, 0};
  }
  return {nullptr, 0};
}

std::string DescribeLinkAttr(const nlmsghdr* request, uint32_t offset) {
  return DescribeAttrPath(request, sizeof(ifinfomsg), offset, LinkAttrLevel);
}

const MessageFamily kLinkFamily{RTM_NEWLINK, RTM_SETLINK, DecodeLink, DescribeLinkAttr};
const OpDef kLinkAdd{"link.add", RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, EncodeLink};
const OpDef kLinkSet{"link.set", RTM_NEWLINK, NLM_F_ACK, EncodeLink};
const OpDef kLinkDel{"link.del", RTM_DELLINK, NLM_F_ACK, EncodeLink};
const OpDef kLinkGet{"link.get", RTM_GETLINK, NLM_F_ACK, EncodeLink};
const OpDef kLinkDump{"link.dump", RTM_GETLINK, NLM_F_DUMP, EncodeLink};
Registrar registrars[] = {Registrar(&kLinkFamily), Registrar(&kLinkAdd), Registrar(&kLinkSet),
                          Registrar(&kLinkDel),    Registrar(&kLinkGet), Registrar(&kLinkDump)};

}  // namespace

void DecodeLinksNamed(ValueWriter& out, const char* data, size_t len, const char* names_data, size_t names_len) {
  LinkNames names;
  ForEachMessage(names_data, names_len, [&](const nlmsghdr* nlh) {
    if (nlh->nlmsg_type != RTM_NEWLINK) return;
    const auto* ifi = FamilyHeader<ifinfomsg>(nlh);
    if (ifi == nullptr) return;
    AttrTable attrs = AttrsAfterHeader<ifinfomsg>(nlh, IFLA_IFNAME);
    std::string_view name;
    names[ifi->ifi_index] = attrs.Str(IFLA_IFNAME, &name) ? std::optional<std::string_view>(name) : std::nullopt;
  });
  out.BeginArray(nullptr);
  ForEachMessage(data, len, [&](const nlmsghdr* nlh) {
    if (nlh->nlmsg_type == RTM_NEWLINK) return DecodeLinkNamed(out, nlh, &names);
    DecodeMessage(out, nlh);
  });
  out.EndArray();
}

std::vector<uint32_t> LinksToName(const std::string& replies) {
  std::vector<uint32_t> wanted;
  bool first = true;
  ForEachMessage(replies.data(), replies.size(), [&](const nlmsghdr* nlh) {
    if (!first) return;
    first = false;
    const auto* ifi = FamilyHeader<ifinfomsg>(nlh);
    if (nlh->nlmsg_type != RTM_NEWLINK || ifi == nullptr) return;
    AttrTable attrs = AttrsAfterHeader<ifinfomsg>(nlh, IFLA_MAX + 16);
    uint32_t index;
    int32_t netns;
    int64_t self = ifi->ifi_index;
    if (attrs.U32(IFLA_LINK, &index) && !attrs.S32(IFLA_LINK_NETNSID, &netns) && index != self) wanted.push_back(index);
    if (attrs.U32(IFLA_MASTER, &index) && index != self) wanted.push_back(index);
  });
  return wanted;
}

std::string EncodeNameLookup(uint32_t index) {
  std::vector<uint8_t> buffer(128);
  MessageWriter writer(buffer, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK);
  auto* ifi = writer.PutHeader<ifinfomsg>();
  ifi->ifi_index = static_cast<int>(index);
  writer.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  return std::string(writer.bytes());
}

void EncodeLinkBody(MessageWriter& writer, SpecReader& spec) {
  auto* ifi = writer.PutHeader<ifinfomsg>();
  ifi->ifi_family = static_cast<uint8_t>(spec.U32("family").value_or(AF_UNSPEC));
  ifi->ifi_index = static_cast<int>(spec.U32("index").value_or(0));
  ifi->ifi_flags = spec.U32("flags").value_or(0);
  ifi->ifi_change = spec.U32("change").value_or(0);
  if (auto name = spec.String("name")) writer.PutString(IFLA_IFNAME, *name);
  if (auto address = spec.Bytes("address")) writer.PutBytes(IFLA_ADDRESS, *address);
  if (auto broadcast = spec.Bytes("broadcast")) writer.PutBytes(IFLA_BROADCAST, *broadcast);
  // iproute2 sends the alias without a NUL; the kernel takes both.
  if (auto alias = spec.String("alias")) writer.PutBytes(IFLA_IFALIAS, *alias);
  EncodeFields(writer, spec, kLinkFields);
  EncodeLinkInfo(writer, spec);
  EncodeInetConf(writer, spec);
}

}  // namespace vnic
