{
  "targets": [
    {
      "target_name": "vnic",
      "sources": [
        "native/addon.cc",
        "native/socket.cc",
        "native/message.cc",
        "native/compact.cc",
        "native/reader.cc",
        "native/spec.cc",
        "native/registry.cc",
        "native/netns.cc",
        "native/tun.cc",
        "native/filelock.cc",
        "native/link.cc",
        "native/addr.cc",
        "native/route.cc",
        "native/kinds/fields.cc",
        "native/kinds/macvlan.cc",
        "native/kinds/veth.cc",
        "native/kinds/bridge.cc",
        "native/kinds/vxlan.cc",
        "native/kinds/vlan.cc",
        "native/kinds/ipvlan.cc",
        "native/kinds/bond.cc",
        "native/kinds/macsec.cc",
        "native/kinds/tun.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers", "<!@(pkg-config --cflags libmnl)"],
      "libraries": ["<!@(pkg-config --libs libmnl)"]
    },
    {
      "target_name": "vnic-cni",
      "type": "executable",
      "sources": ["native/cni/vnic-cni.c"],
      "include_dirs": ["<(INTERMEDIATE_DIR)"],
      "defines": [
        "VNIC_CNI_NODE=\"<!(node -p process.execPath)\"",
        "VNIC_CNI_ROOT=\"<(module_root_dir)\""
      ],
      "cflags": ["-std=c11", "-O2", "-Wall", "-Wextra", "-Wshadow", "-Wformat=2"],
      "configurations": { "Release": { "cflags!": ["-O3"] } },
      "actions": [
        {
          "action_name": "vnic_cni_version_header",
          "inputs": ["native/cni/version-header.js", "<!@(node native/cni/version-header.js --inputs)"],
          "outputs": ["<(INTERMEDIATE_DIR)/vnic-cni-version.h"],
          "action": ["<!(node -p process.execPath)", "native/cni/version-header.js", "<(INTERMEDIATE_DIR)/vnic-cni-version.h"]
        }
      ]
    }
  ]
}
