/* SPDX-License-Identifier: MIT */
/* mbedTLS overrides for the standalone wasm build; build.sh appends an
 * include of this file to mbedtls_config.h so that curl and mbedTLS agree.
 * Standalone wasm has no /dev/urandom: entropy comes from the host through
 * getentropy(), see wasm/glue/entropy.c. */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
/* sockets belong to curl and the host bridge, timing to the host */
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C
/* TLS 1.3 in mbedTLS 3.6 runs on PSA, and curl calls psa_crypto_init() only
 * when MBEDTLS_USE_PSA_CRYPTO is set */
#define MBEDTLS_USE_PSA_CRYPTO
