/* SPDX-License-Identifier: MIT */
/* mbedTLS overrides for the standalone wasm build; build.sh appends an
 * include of this file to mbedtls_config.h so that curl and mbedTLS agree.
 * Standalone wasm has no /dev/urandom: entropy comes from the host through
 * getentropy(), see wasm/glue/entropy.c. */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
/* PSA draws its randomness from the host on each call (entropy.c) instead
 * of seeding a DRBG inside psa_crypto_init(): curl_global_init() calls that,
 * and the seeding's getentropy() made the host load its crypto library
 * (Node's OpenSSL, ~2 ms) before a plain-HTTP request that never uses it */
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
/* sockets belong to curl and the host bridge, timing to the host */
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C
/* TLS 1.3 in mbedTLS 3.6 runs on PSA, and curl calls psa_crypto_init() only
 * when MBEDTLS_USE_PSA_CRYPTO is set */
#define MBEDTLS_USE_PSA_CRYPTO

/* --- size: what a TLS 1.2/1.3 client inside curl never uses ---------------
 * Kept: TLS 1.2 and 1.3 client, ECDHE-ECDSA/ECDHE-RSA/RSA key exchange,
 * AES-GCM, AES-CBC, ChaCha20-Poly1305, SHA-1/2, MD5 (curl's digest auth),
 * RSA (PKCS#1 v1.5 and PSS), ECDSA on P-256/P-384/P-521, X25519/X448,
 * session tickets and TLS 1.3 resumption, renegotiation, ALPN, SNI, CRLs,
 * PEM and (PBES2-encrypted) PKCS#8 keys, DES (NTLM), certificate info for
 * curl's messages. */
/* a client: no server side, no DTLS */
#undef MBEDTLS_SSL_SRV_C
#undef MBEDTLS_SSL_CACHE_C
#undef MBEDTLS_SSL_TICKET_C
#undef MBEDTLS_SSL_COOKIE_C
#undef MBEDTLS_SSL_PROTO_DTLS
#undef MBEDTLS_SSL_DTLS_ANTI_REPLAY
#undef MBEDTLS_SSL_DTLS_HELLO_VERIFY
#undef MBEDTLS_SSL_DTLS_CLIENT_PORT_REUSE
#undef MBEDTLS_SSL_DTLS_CONNECTION_ID
#undef MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT
/* TLS features curl does not call */
#undef MBEDTLS_SSL_CONTEXT_SERIALIZATION
#undef MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#undef MBEDTLS_SSL_KEYING_MATERIAL_EXPORT
/* curl installs no debug callback (only with its own MBEDTLS_DEBUG) */
#undef MBEDTLS_DEBUG_C
/* key exchanges that need a pre-shared key (curl sets none), finite-field
 * DHE (every server that offers it offers ECDHE) and static ECDH */
#undef MBEDTLS_KEY_EXCHANGE_PSK_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_DHE_PSK_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_ECDHE_PSK_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_RSA_PSK_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_DHE_RSA_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_ECDH_ECDSA_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_ECDH_RSA_ENABLED
#undef MBEDTLS_DHM_C
#undef MBEDTLS_ECJPAKE_C
/* ciphers and modes no TLS 1.2/1.3 suite offered here uses (DES stays:
 * curl's NTLM computes its LM response with mbedtls_des_*) */
#undef MBEDTLS_CAMELLIA_C
#undef MBEDTLS_ARIA_C
#undef MBEDTLS_CCM_C
#undef MBEDTLS_CMAC_C
#undef MBEDTLS_NIST_KW_C
#undef MBEDTLS_CIPHER_MODE_CFB
#undef MBEDTLS_CIPHER_MODE_CTR
#undef MBEDTLS_CIPHER_MODE_OFB
#undef MBEDTLS_CIPHER_MODE_XTS
#undef MBEDTLS_CIPHER_PADDING_ONE_AND_ZEROS
#undef MBEDTLS_CIPHER_PADDING_ZEROS_AND_LEN
#undef MBEDTLS_CIPHER_PADDING_ZEROS
#undef MBEDTLS_RIPEMD160_C
#undef MBEDTLS_SHA3_C
#undef MBEDTLS_LMS_C
/* curves no public CA or TLS server here uses */
#undef MBEDTLS_ECP_DP_SECP192R1_ENABLED
#undef MBEDTLS_ECP_DP_SECP224R1_ENABLED
#undef MBEDTLS_ECP_DP_SECP192K1_ENABLED
#undef MBEDTLS_ECP_DP_SECP224K1_ENABLED
#undef MBEDTLS_ECP_DP_SECP256K1_ENABLED
#undef MBEDTLS_ECP_DP_BP256R1_ENABLED
#undef MBEDTLS_ECP_DP_BP384R1_ENABLED
#undef MBEDTLS_ECP_DP_BP512R1_ENABLED
/* writing keys, certificates and requests, PKCS#7, PKCS#12 (legacy
 * password-based encryption), RSA key generation, the self tests */
#undef MBEDTLS_PEM_WRITE_C
#undef MBEDTLS_X509_CSR_PARSE_C
#undef MBEDTLS_X509_CSR_WRITE_C
#undef MBEDTLS_X509_CRT_WRITE_C
#undef MBEDTLS_X509_CREATE_C
#undef MBEDTLS_PKCS7_C
#undef MBEDTLS_PKCS12_C
#undef MBEDTLS_GENPRIME
#undef MBEDTLS_PK_RSA_ALT_SUPPORT
#undef MBEDTLS_SELF_TEST
#undef MBEDTLS_VERSION_FEATURES
/* mbedtls_strerror()'s 176 texts (~10 KB): curl's TLS error messages keep
 * mbedTLS's code, e.g. "(-0x7780)", without its description */
#undef MBEDTLS_ERROR_C
/* no precomputed multiples of the curves' base points: ~9 KB of data that
 * does not compress; ECDSA verification computes them when it needs them,
 * and X25519 never used them */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
/* MBEDTLS_FS_IO stays: the library opens no file (no path_open, so
 * CAINFO and friends fail to read), but curl.wasm, the tool, links the same
 * mbedTLS and reads --cacert, --capath, --cert and --key through WASI */
/* x86 and Arm accelerators cannot exist in wasm */
#undef MBEDTLS_AESNI_C
#undef MBEDTLS_AESCE_C
#undef MBEDTLS_PADLOCK_C

/* PSA copies every input and output buffer of a crypto call into a fresh
 * calloc'd buffer (and zeroes and frees it after), in case the caller's
 * memory is shared with an attacker that changes it mid-call. A wasm
 * instance's memory is its own and single-threaded: those copies of each
 * 16 KB TLS record were 43% of an HTTPS download's CPU (memset + memcpy,
 * measured with --cpu-prof on bench B) */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS
