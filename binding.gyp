# tsbgpd_md5: the TCP-MD5 (RFC 2385) / GTSM socket shim, plain C against node_api.h.
# Built from source by node-gyp at install time against the local Node headers (npm's nodedir);
# no prebuilt binaries are fetched. On non-Linux systems src/native/tcp_md5.c compiles to a stub
# that reports "unsupported" at runtime, so the install still succeeds and keyed peers are refused.
{
  "targets": [
    {
      "target_name": "tsbgpd_md5",
      "sources": ["src/native/tcp_md5.c"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS"],
      "conditions": [
        ["OS!='win'", {
          "cflags_c": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"]
        }]
      ]
    }
  ]
}
