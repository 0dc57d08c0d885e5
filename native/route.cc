// Routes: RTM_NEWROUTE / DELROUTE / GETROUTE requests and their decoding.
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "kinds/fields.h"
#include "registry.h"

namespace vnic {
namespace {

const NamedValue kScopes[] = {{"global", RT_SCOPE_UNIVERSE}, {"site", RT_SCOPE_SITE},
                              {"link", RT_SCOPE_LINK},       {"host", RT_SCOPE_HOST},
                              {"nowhere", RT_SCOPE_NOWHERE}};
const NamedValue kProtocols[] = {{"unspec", RTPROT_UNSPEC}, {"redirect", RTPROT_REDIRECT},
                                 {"kernel", RTPROT_KERNEL}, {"boot", RTPROT_BOOT},
                                 {"static", RTPROT_STATIC}, {"ra", RTPROT_RA},
                                 {"dhcp", RTPROT_DHCP}};
const NamedValue kTypes[] = {{"unspec", RTN_UNSPEC},           {"unicast", RTN_UNICAST},
                             {"local", RTN_LOCAL},             {"broadcast", RTN_BROADCAST},
                             {"anycast", RTN_ANYCAST},         {"multicast", RTN_MULTICAST},
                             {"blackhole", RTN_BLACKHOLE},     {"unreachable", RTN_UNREACHABLE},
                             {"prohibit", RTN_PROHIBIT},       {"throw", RTN_THROW},
                             {"nat", RTN_NAT}};

const Field kFields[] = {
    {"oif", RTA_OIF, Width::kU32},
    {"metric", RTA_PRIORITY, Width::kU32},
    {"iif", RTA_IIF, Width::kU32, true},
};

const char* const kNames[] = {nullptr,        "RTA_DST",       "RTA_SRC",     "RTA_IIF",
                              "RTA_OIF",      "RTA_GATEWAY",   "RTA_PRIORITY", "RTA_PREFSRC",
                              "RTA_METRICS",  "RTA_MULTIPATH", "RTA_PROTOINFO", "RTA_FLOW",
                              "RTA_CACHEINFO", "RTA_SESSION",  "RTA_MP_ALGO", "RTA_TABLE"};
const AttrNames kNameTable{kNames, std::size(kNames)};

// Spec (normalized by lib/): family, dstLen, table, protocol, scope, type,
// dst, gateway, prefsrc (Buffers), oif, metric.
void EncodeRoute(MessageWriter& writer, SpecReader& spec) {
  auto* rtm = writer.PutHeader<rtmsg>();
  rtm->rtm_family = static_cast<uint8_t>(spec.U32("family").value_or(AF_UNSPEC));
  rtm->rtm_dst_len = static_cast<uint8_t>(spec.U32("dstLen").value_or(0));
  uint32_t table = spec.U32("table").value_or(RT_TABLE_UNSPEC);
  // Table ids above 255 only fit RTA_TABLE.
  rtm->rtm_table = static_cast<uint8_t>(table < 256 ? table : RT_TABLE_UNSPEC);
  if (table >= 256) writer.PutU32(RTA_TABLE, table);
  rtm->rtm_protocol = static_cast<uint8_t>(spec.U32("protocol").value_or(RTPROT_UNSPEC));
  rtm->rtm_scope = static_cast<uint8_t>(spec.U32("scope").value_or(RT_SCOPE_UNIVERSE));
  rtm->rtm_type = static_cast<uint8_t>(spec.U32("type").value_or(RTN_UNSPEC));
  if (auto dst = spec.Bytes("dst")) writer.PutBytes(RTA_DST, *dst);
  if (auto gateway = spec.Bytes("gateway")) writer.PutBytes(RTA_GATEWAY, *gateway);
  if (auto prefsrc = spec.Bytes("prefsrc")) writer.PutBytes(RTA_PREFSRC, *prefsrc);
  EncodeFields(writer, spec, kFields);
}

void DecodeRoute(ValueWriter& out, const nlmsghdr* nlh) {
  const auto* rtm = FamilyHeader<rtmsg>(nlh);
  if (rtm == nullptr) return out.Null(nullptr);
  AttrTable attrs = AttrsAfterHeader<rtmsg>(nlh, RTA_MAX + 8);
  out.BeginObject(nullptr);
  out.Number("family", rtm->rtm_family == AF_INET6 ? 6 : rtm->rtm_family == AF_INET ? 4 : 0);
  const uint8_t* bytes;
  size_t len;
  std::string dst = attrs.Bytes(RTA_DST, &bytes, &len) ? FormatIpAddress(bytes, len) : "";
  out.String("dst", dst.empty() && rtm->rtm_dst_len == 0 ? std::string("default")
                                                         : dst + "/" + std::to_string(rtm->rtm_dst_len));
  if (attrs.Bytes(RTA_GATEWAY, &bytes, &len)) out.String("gateway", FormatIpAddress(bytes, len));
  if (attrs.Bytes(RTA_PREFSRC, &bytes, &len)) out.String("prefsrc", FormatIpAddress(bytes, len));
  uint32_t table = rtm->rtm_table;
  attrs.U32(RTA_TABLE, &table);
  out.Number("table", table);
  WriteName(out, "protocol", kProtocols, rtm->rtm_protocol);
  WriteName(out, "scope", kScopes, rtm->rtm_scope);
  WriteName(out, "type", kTypes, rtm->rtm_type);
  out.Number("flags", rtm->rtm_flags);
  DecodeFields(out, attrs, kFields);
  out.EndObject();
}

const MessageFamily kRouteFamily{RTM_NEWROUTE, RTM_GETROUTE, DecodeRoute, DescribeFlatAttr<rtmsg, &kNameTable>};
const char* const kOpNames[] = {"route.add", "route.replace", "route.del", "route.dump"};
const ObjectOps kOps{kOpNames, RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE, EncodeRoute};
Registrar registrar(&kRouteFamily);

}  // namespace
}  // namespace vnic
