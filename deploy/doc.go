// Package deploy holds the container deployment files and the tests that check them (with the Dockerfile and docker-compose.yml at the repository root) without a Docker engine.
package deploy
