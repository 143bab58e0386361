// Package config is mcpgate's settings: the Config struct, its defaults,
// loading in one order (defaults, YAML file, MCPGATE_* environment, flags)
// and validation whose errors name the offending key. viper is used here
// and nowhere else.
package config
