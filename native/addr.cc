// Addresses: RTM_NEWADDR / DELADDR / GETADDR requests and their decoding.
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include "kinds/fields.h"
#include "registry.h"

namespace vnic {
namespace {

const NamedValue kScopes[] = {{"global", RT_SCOPE_UNIVERSE},
                              {"site", RT_SCOPE_SITE},
                              {"link", RT_SCOPE_LINK},
                              {"host", RT_SCOPE_HOST},
                              {"nowhere", RT_SCOPE_NOWHERE}};

const NamedValue kFlags[] = {
    {"secondary", IFA_F_SECONDARY},     {"nodad", IFA_F_NODAD},
    {"optimistic", IFA_F_OPTIMISTIC},   {"dadfailed", IFA_F_DADFAILED},
    {"homeaddress", IFA_F_HOMEADDRESS}, {"deprecated", IFA_F_DEPRECATED},
    {"tentative", IFA_F_TENTATIVE},     {"permanent", IFA_F_PERMANENT},
    {"mngtmpaddr", IFA_F_MANAGETEMPADDR}, {"noprefixroute", IFA_F_NOPREFIXROUTE},
    {"autojoin", IFA_F_MCAUTOJOIN},     {"stable-privacy", IFA_F_STABLE_PRIVACY}};

const char* const kNames[] = {nullptr,         "IFA_ADDRESS",   "IFA_LOCAL",
                              "IFA_LABEL",     "IFA_BROADCAST", "IFA_ANYCAST",
                              "IFA_CACHEINFO", "IFA_MULTICAST", "IFA_FLAGS",
                              "IFA_RT_PRIORITY", "IFA_TARGET_NETNSID", "IFA_PROTO"};
const AttrNames kNameTable{kNames, std::size(kNames)};

// Spec: family (AF_INET / AF_INET6), prefixlen, index, scope, flags, local,
// address (the peer, or local again), broadcast, label — all normalized by lib/.
void EncodeAddr(MessageWriter& writer, SpecReader& spec) {
  auto* ifa = writer.PutHeader<ifaddrmsg>();
  ifa->ifa_family = static_cast<uint8_t>(spec.U32("family").value_or(AF_UNSPEC));
  ifa->ifa_prefixlen = static_cast<uint8_t>(spec.U32("prefixlen").value_or(0));
  ifa->ifa_scope = static_cast<uint8_t>(spec.U32("scope").value_or(RT_SCOPE_UNIVERSE));
  ifa->ifa_index = spec.U32("index").value_or(0);
  uint32_t flags = spec.U32("flags").value_or(0);
  // Flags that fit the header's byte travel there, as iproute2 sends them.
  ifa->ifa_flags = static_cast<uint8_t>(flags & 0xff);
  if (flags > 0xff) writer.PutU32(IFA_FLAGS, flags);
  if (auto local = spec.Bytes("local")) writer.PutBytes(IFA_LOCAL, *local);
  if (auto address = spec.Bytes("address")) writer.PutBytes(IFA_ADDRESS, *address);
  if (auto broadcast = spec.Bytes("broadcast")) writer.PutBytes(IFA_BROADCAST, *broadcast);
  if (auto label = spec.String("label")) writer.PutString(IFA_LABEL, *label);
}

void DecodeAddr(ValueWriter& out, const nlmsghdr* nlh) {
  const auto* ifa = FamilyHeader<ifaddrmsg>(nlh);
  if (ifa == nullptr) return out.Null(nullptr);
  AttrTable attrs = AttrsAfterHeader<ifaddrmsg>(nlh, IFA_MAX + 8);
  out.BeginObject(nullptr);
  out.Number("family", ifa->ifa_family == AF_INET6 ? 6 : ifa->ifa_family == AF_INET ? 4 : 0);
  out.Number("index", ifa->ifa_index);
  out.Number("prefixlen", ifa->ifa_prefixlen);
  WriteName(out, "scope", kScopes, ifa->ifa_scope);
  uint32_t flags = ifa->ifa_flags;
  attrs.U32(IFA_FLAGS, &flags);  // the full 32 bits, where the kernel sends them
  out.BeginArray("flags");
  for (const auto& flag : kFlags) {
    if (flags & flag.value) out.String(nullptr, flag.name);
  }
  out.EndArray();
  const uint8_t* bytes;
  size_t len;
  std::string local, address;
  if (attrs.Bytes(IFA_LOCAL, &bytes, &len)) local = FormatIpAddress(bytes, len);
  if (attrs.Bytes(IFA_ADDRESS, &bytes, &len)) address = FormatIpAddress(bytes, len);
  // IPv4 sends both (IFA_ADDRESS is the peer on point-to-point links); IPv6
  // sends IFA_ADDRESS alone unless there is a peer.
  out.String("address", local.empty() ? address : local);
  if (!local.empty() && !address.empty() && local != address) out.String("peer", address);
  if (attrs.Bytes(IFA_BROADCAST, &bytes, &len)) out.String("broadcast", FormatIpAddress(bytes, len));
  std::string label;
  if (attrs.Str(IFA_LABEL, &label)) out.String("label", label);
  if (attrs.Bytes(IFA_CACHEINFO, &bytes, &len) && len >= sizeof(ifa_cacheinfo)) {
    ifa_cacheinfo info;
    std::memcpy(&info, bytes, sizeof info);
    out.Number("preferredLifetime", info.ifa_prefered);
    out.Number("validLifetime", info.ifa_valid);
  }
  out.EndObject();
}

const MessageFamily kAddrFamily{RTM_NEWADDR, RTM_GETADDR, DecodeAddr, DescribeFlatAttr<ifaddrmsg, &kNameTable>};
const char* const kOpNames[] = {"addr.add", "addr.replace", "addr.del", "addr.dump"};
const ObjectOps kOps{kOpNames, RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR, EncodeAddr};
Registrar registrar(&kAddrFamily);

}  // namespace
}  // namespace vnic
